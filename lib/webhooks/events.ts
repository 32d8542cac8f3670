/**
 * The events an endpoint can subscribe to. Statement-level database triggers on OutboundMessage
 * write them to the outbox (migration 20261220000000_webhook_outbox, one per change of a
 * message) and the dispatcher fans them out to deliveries (`fanOutWebhookEvents`);
 * `webhook.test` is only sent by the "Testgebeurtenis versturen" button and reaches an endpoint
 * whatever it subscribed to.
 */
export const WEBHOOK_EVENTS = [
  "message.accepted",
  "message.sent",
  "message.deferred",
  "message.partially_delivered",
  "message.failed",
  "message.possible_duplicate",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number] | "webhook.test";

/** Attempts go on for this long after the event, then the delivery is dead (dead letter). */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** First retry after 30 s, doubling, at most an hour apart: some 30 attempts in 24 hours. */
export const WEBHOOK_RETRY_BASE_MS = 30_000;
export const WEBHOOK_RETRY_MAX_MS = 60 * 60 * 1000;
/** A receiver must answer within this long (Postmark, SES and GitHub use 10–30 s). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** The delay before attempt `attempts + 1`, after `attempts` failed ones: 30 s, 60 s, 2 min, … 1 h, ±20 % jitter. */
export function webhookBackoffMs(attempts: number, random = Math.random()): number {
  const base = Math.min(WEBHOOK_RETRY_MAX_MS, WEBHOOK_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}
