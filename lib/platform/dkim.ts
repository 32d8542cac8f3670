import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";

/**
 * The platform's DKIM keys in their DNS form. A key signs the platform's own mail (nodemailer's
 * built-in `dkim` option, lib/delivery/platform-transport.ts); its public half is published as a
 * TXT record at `<selector>._domainkey.<domain>`, which the Platform page shows and checks.
 */

const generate = promisify(generateKeyPair);

/** RSA 2048: what every receiver verifies (Ed25519, RFC 8463, is not verified by all of them). */
export const DKIM_KEY_BITS = 2048;

export interface GeneratedDkimKey {
  /** PKCS#8 PEM; encrypt before it is stored. */
  privateKeyPem: string;
  /** base64 SubjectPublicKeyInfo, the DKIM record's p=. */
  publicKey: string;
}

export async function generateDkimKey(): Promise<GeneratedDkimKey> {
  const { privateKey, publicKey } = await generate("rsa", { modulusLength: DKIM_KEY_BITS });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

/** The public key of an operator-supplied PEM private key, as p= (base64 SubjectPublicKeyInfo). */
export function publicKeyOf(privateKeyPem: string): { publicKey: string; keyType: "rsa" | "ed25519" } {
  const key = createPrivateKey(privateKeyPem);
  const type = key.asymmetricKeyType === "ed25519" ? "ed25519" : "rsa";
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  // RFC 8463: an Ed25519 record carries the bare 32-byte key, not the SubjectPublicKeyInfo around it.
  return { publicKey: (type === "ed25519" ? der.subarray(der.length - 32) : der).toString("base64"), keyType: type };
}

/**
 * A new selector: the date makes the record's age readable in DNS, the random part keeps two
 * rotations on one day apart. Only letters, digits and "-": one DNS label.
 */
export function newSelector(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, "");
  return `pk${day}-${randomBytes(2).toString("hex")}`;
}

export const dkimRecordName = (selector: string, domain: string) => `${selector}._domainkey.${domain}`;

/** The TXT record's value: version, key type and key (RFC 6376 §3.6.1). */
export function dkimRecordValue(publicKey: string, keyType: "rsa" | "ed25519" = "rsa"): string {
  return `v=DKIM1; k=${keyType}; p=${publicKey}`;
}

/** The p= of a DKIM record, whitespace removed; undefined when the record has none. */
export function publicKeyInRecord(record: string): string | undefined {
  for (const tag of record.split(";")) {
    const [name, ...value] = tag.split("=");
    if (name?.trim().toLowerCase() === "p") return value.join("=").replace(/\s+/g, "");
  }
  return undefined;
}
