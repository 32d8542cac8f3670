import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, needsReencryption, parseKeyring, reencryptSecret, SecretBoxError } from "@/lib/crypto/secret-box.ts";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64url");
const ring = parseKeyring(`a:${keyA}`);
const rotated = parseKeyring(`b:${keyB}, a:${keyA}`);
const PASSWORD = "Tr0ub4dor&3-geheim";
const AAD = "MailServer:srv_1:password";

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return (error as SecretBoxError).code;
  }
  return undefined;
}

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("secret box", () => {
  it("round-trips a password and stores it as v1.<keyId>.<iv>.<tag>.<ciphertext>", () => {
    const box = encryptSecret(PASSWORD, AAD, ring);
    expect(box).toMatch(/^v1\.a\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(box).not.toContain(PASSWORD);
    expect(decryptSecret(box, AAD, ring)).toBe(PASSWORD);
  });

  it("uses a fresh IV each time, so equal passwords give different boxes", () => {
    expect(encryptSecret(PASSWORD, AAD, ring)).not.toBe(encryptSecret(PASSWORD, AAD, ring));
  });

  it("round-trips an empty string and non-ASCII text", () => {
    expect(decryptSecret(encryptSecret("", AAD, ring), AAD, ring)).toBe("");
    expect(decryptSecret(encryptSecret("wächtwoord €", AAD, ring), AAD, ring)).toBe("wächtwoord €");
  });

  it("refuses a box moved to another row or field (associated data)", () => {
    const box = encryptSecret(PASSWORD, AAD, ring);
    expect(codeOf(() => decryptSecret(box, "MailServer:srv_2:password", ring))).toBe("AUTH_FAILED");
  });

  it("refuses a tampered ciphertext or tag", () => {
    const box = encryptSecret(PASSWORD, AAD, ring);
    const parts = box.split(".");
    const flipped = Buffer.from(parts[4]!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(codeOf(() => decryptSecret([...parts.slice(0, 4), flipped.toString("base64url")].join("."), AAD, ring))).toBe("AUTH_FAILED");
    const tag = Buffer.from(parts[3]!, "base64url");
    tag[0] = tag[0]! ^ 1;
    expect(codeOf(() => decryptSecret([...parts.slice(0, 3), tag.toString("base64url"), parts[4]].join("."), AAD, ring))).toBe("AUTH_FAILED");
  });

  it("refuses a box whose key id was swapped to another known key", () => {
    const box = encryptSecret(PASSWORD, AAD, rotated).replace(/^v1\.b\./, "v1.a.");
    expect(codeOf(() => decryptSecret(box, AAD, rotated))).toBe("AUTH_FAILED");
  });

  it("reports malformed values", () => {
    for (const bad of ["", "plain-text", "v2.a.x.y.z", "v1.a.!!.y.z", "v1.a.AAAA.AAAA.AAAA", "v1..a.b.c.d"]) {
      expect(codeOf(() => decryptSecret(bad, AAD, ring))).toBe("MALFORMED");
    }
  });

  it("reports an unknown key id by name, without key material", () => {
    const box = encryptSecret(PASSWORD, AAD, rotated);
    const message = messageOf(() => decryptSecret(box, AAD, ring));
    expect(codeOf(() => decryptSecret(box, AAD, ring))).toBe("UNKNOWN_KEY");
    expect(message).toContain('"b"');
    expect(message).not.toContain(keyB);
  });

  it("encrypts with the first key and still decrypts with the older ones (rotation)", () => {
    const old = encryptSecret(PASSWORD, AAD, ring);
    expect(needsReencryption(old, ring)).toBe(false);
    expect(needsReencryption(old, rotated)).toBe(true);
    expect(decryptSecret(old, AAD, rotated)).toBe(PASSWORD);
    const renewed = reencryptSecret(old, AAD, rotated);
    expect(renewed.startsWith("v1.b.")).toBe(true);
    expect(needsReencryption(renewed, rotated)).toBe(false);
    expect(decryptSecret(renewed, AAD, rotated)).toBe(PASSWORD);
  });

  it("never puts the plaintext or key in an error message", () => {
    const box = encryptSecret(PASSWORD, AAD, ring);
    const messages = [
      messageOf(() => decryptSecret(box, "other", ring)),
      messageOf(() => decryptSecret(box.slice(0, -2), AAD, ring)),
      messageOf(() => decryptSecret("garbage", AAD, ring)),
    ];
    for (const message of messages) {
      expect(message).not.toBe("");
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain(keyA);
    }
  });
});

describe("parseKeyring", () => {
  it("reads several comma-separated keys; the first is current", () => {
    expect(rotated.currentKeyId).toBe("b");
    expect(rotated.keyIds).toEqual(["b", "a"]);
  });

  it("rejects a missing value, a bad entry, a bad length, bad base64 and duplicate ids", () => {
    expect(codeOf(() => parseKeyring(undefined))).toBe("NO_KEY");
    expect(codeOf(() => parseKeyring(" , "))).toBe("NO_KEY");
    expect(codeOf(() => parseKeyring(keyA))).toBe("BAD_KEY");
    expect(codeOf(() => parseKeyring(`a:${randomBytes(16).toString("base64")}`))).toBe("BAD_KEY");
    expect(codeOf(() => parseKeyring("a:not base64!"))).toBe("BAD_KEY");
    expect(codeOf(() => parseKeyring(`a:${keyA},a:${keyB}`))).toBe("BAD_KEY");
    expect(codeOf(() => parseKeyring(`a.b:${keyA}`))).toBe("BAD_KEY");
  });

  it("names the bad key's length but not its bytes", () => {
    const short = randomBytes(16).toString("base64");
    const message = messageOf(() => parseKeyring(`k1:${short}`));
    expect(message).toContain("16 bytes");
    expect(message).not.toContain(short);
  });

  it("shows only key ids when logged or serialised", () => {
    expect(JSON.stringify(rotated)).toBe('{"currentKeyId":"b","keyIds":["b","a"]}');
    expect(inspect(rotated)).not.toContain(keyA);
    expect(inspect(rotated)).not.toContain(keyB);
  });
});
