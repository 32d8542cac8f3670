import { createHash, randomBytes } from "node:crypto";

/**
 * API keys are 256 random bits, so a plain SHA-256 is a safe way to store them (no password
 * stretching needed) and lets a request be matched by one indexed lookup.
 */
export const API_KEY_PREFIX = "pk_";

export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, 10), keyHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
