import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, Stripe-style: `Postkamer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<t>.<raw body>">` under the endpoint's secret. The timestamp is signed with the body, so
 * a receiver that refuses timestamps older than the replay window (5 minutes) cannot be fed an
 * old, captured request again. This file has no dependencies: receivers may copy it.
 */
export const SIGNATURE_HEADER = "Postkamer-Signature";
export const REPLAY_WINDOW_SECONDS = 5 * 60;

/** A new signing secret, shown to the administrator once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signatureHeader(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: "malformed" | "expired" | "mismatch" };

/**
 * For receivers (and the tests): checks a `Postkamer-Signature` header against the raw body.
 * Every `v1=` is tried (during a rotation a sender may list two); compared in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  options: { now?: number; toleranceSeconds?: number } = {},
): VerifyResult {
  const parts = (header ?? "").split(",").map((part) => part.trim().split("="));
  const timestamp = Number(parts.find(([key]) => key === "t")?.[1]);
  const signatures = parts.filter(([key, value]) => key === "v1" && /^[0-9a-f]{64}$/.test(value ?? "")).map(([, value]) => value!);
  if (!Number.isInteger(timestamp) || signatures.length === 0) return { ok: false, reason: "malformed" };
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? REPLAY_WINDOW_SECONDS)) return { ok: false, reason: "expired" };
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  const match = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, "hex"), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: "mismatch" };
}
