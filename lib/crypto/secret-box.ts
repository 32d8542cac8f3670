import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { config } from "@/lib/config.ts";

/**
 * Credentials at rest: AES-256-GCM under ENCRYPTION_KEY (OWASP ASVS 11.3.2, 11.3.3).
 *
 * ENCRYPTION_KEY holds one or more keys `id:base64(32 bytes)`, comma-separated. The first
 * encrypts; all decrypt, so a key is rotated by putting a new one in front, re-encrypting what
 * `needsReencryption` reports, and then dropping the old key.
 *
 * A box is `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url). The caller's associated data (e.g.
 * `MailServer:<id>:password`) is authenticated with it, so a box copied to another row or field
 * fails to open instead of handing out another server's password.
 */

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type SecretBoxErrorCode = "NO_KEY" | "BAD_KEY" | "MALFORMED" | "UNKNOWN_KEY" | "AUTH_FAILED";

/** Never carries plaintext or key material: messages name only key ids and what is wrong. */
export class SecretBoxError extends Error {
  readonly code: SecretBoxErrorCode;
  constructor(code: SecretBoxErrorCode, message: string) {
    super(message);
    this.name = "SecretBoxError";
    this.code = code;
  }
}

/**
 * The parsed keys. Key bytes live in a private field, so logging or serialising a keyring
 * shows only the key ids.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: ReadonlyArray<{ id: string; key: Buffer }>) {
    const first = keys[0];
    if (!first) throw new SecretBoxError("NO_KEY", "ENCRYPTION_KEY holds no key");
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new SecretBoxError("BAD_KEY", `ENCRYPTION_KEY: key id "${id}" must be 1-32 letters, digits, "-" or "_"`);
      if (map.has(id)) throw new SecretBoxError("BAD_KEY", `ENCRYPTION_KEY: key id "${id}" appears twice`);
      if (key.length !== KEY_BYTES) {
        throw new SecretBoxError("BAD_KEY", `ENCRYPTION_KEY: key "${id}" is ${key.length} bytes, expected ${KEY_BYTES}`);
      }
      map.set(id, Buffer.from(key));
    }
    this.#keys = map;
    this.currentKeyId = first.id;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  toJSON() {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return `Keyring(${this.keyIds.join(", ")})`;
  }
}

/** Parses `id:base64key[,id:base64key…]`; base64 or base64url, 32 bytes each. */
export function parseKeyring(envValue: string | undefined): Keyring {
  const entries = (envValue ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new SecretBoxError("NO_KEY", "ENCRYPTION_KEY is not set");
  return new Keyring(
    entries.map((entry, index) => {
      const colon = entry.indexOf(":");
      if (colon <= 0) throw new SecretBoxError("BAD_KEY", `ENCRYPTION_KEY: entry ${index + 1} is not in the form id:base64key`);
      const id = entry.slice(0, colon);
      const encoded = entry.slice(colon + 1);
      // Buffer.from(…, "base64") silently skips junk; a typo in a key must fail loudly instead.
      const isBase64 = BASE64.test(encoded);
      if (!isBase64 && !BASE64URL.test(encoded)) {
        throw new SecretBoxError("BAD_KEY", `ENCRYPTION_KEY: key "${id}" is not valid base64`);
      }
      return { id, key: Buffer.from(encoded, isBase64 ? "base64" : "base64url") };
    }),
  );
}

let cached: { source: string | undefined; keyring: Keyring } | undefined;

function defaultKeyring(): Keyring {
  const source = config().ENCRYPTION_KEY;
  if (!cached || cached.source !== source) cached = { source, keyring: parseKeyring(source) };
  return cached.keyring;
}

interface Box {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseBox(box: string): Box {
  const parts = typeof box === "string" ? box.split(".") : [];
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (parts.length !== 5 || version !== VERSION || !keyId || !KEY_ID.test(keyId)) {
    throw new SecretBoxError("MALFORMED", "Encrypted value is malformed");
  }
  for (const part of [iv, tag, ciphertext]) {
    if (part === undefined || !BASE64URL.test(part)) throw new SecretBoxError("MALFORMED", "Encrypted value is malformed");
  }
  const decoded = {
    keyId,
    iv: Buffer.from(iv!, "base64url"),
    tag: Buffer.from(tag!, "base64url"),
    ciphertext: Buffer.from(ciphertext!, "base64url"),
  };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES) {
    throw new SecretBoxError("MALFORMED", "Encrypted value is malformed");
  }
  return decoded;
}

// The version and key id are authenticated too, so the header cannot be altered either.
function associatedData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${aad}`, "utf8");
}

export function encryptSecret(plain: string, aad: string, keyring: Keyring = defaultKeyring()): string {
  const keyId = keyring.currentKeyId;
  const key = keyring.key(keyId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(keyId, aad));
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, keyId, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export function decryptSecret(box: string, aad: string, keyring: Keyring = defaultKeyring()): string {
  const { keyId, iv, tag, ciphertext } = parseBox(box);
  const key = keyring.key(keyId);
  if (!key) throw new SecretBoxError("UNKNOWN_KEY", `Encrypted with key "${keyId}", which is not in ENCRYPTION_KEY`);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(keyId, aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError("AUTH_FAILED", "Encrypted value failed authentication: it was altered, belongs to another record, or the key is wrong");
  }
}

/** True when the box was encrypted under a key other than the current (first) one. */
export function needsReencryption(box: string, keyring: Keyring = defaultKeyring()): boolean {
  return parseBox(box).keyId !== keyring.currentKeyId;
}

/** Opens a box and seals it again under the current key (for key rotation). */
export function reencryptSecret(box: string, aad: string, keyring: Keyring = defaultKeyring()): string {
  return encryptSecret(decryptSecret(box, aad, keyring), aad, keyring);
}
