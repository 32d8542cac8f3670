import type { PgBoss } from "pg-boss";

/** Every queue Postkamer uses, created explicitly (pg-boss 12 requires it; creating is idempotent). */
export const QUEUES = {
  maintenance: "maintenance",
  /** Every accepted message of the platform's own route (no customer server): one job, written with it. */
  delivery: "delivery",
  /**
   * "This customer server has mail ready now": written with every message for the server, and
   * when a server must be looked at now (sweep, takeover). At most one waits per server (policy
   * `short`, keyed by the server): the drain it starts takes every ready message in order.
   */
  serverReady: "server-ready",
  /** "Look at this server again at…": after a deferral, a retry's backoff, or a busy drainer. */
  serverWake: "server-wake",
  /** Every minute: servers with mail ready but no drainer, in case a wake-up was lost. */
  deliverySweep: "delivery-sweep",
  /** Daily: prunes the delivery log past LOG_RETENTION_DAYS (lib/logging/retention.ts). */
  retention: "retention",
  /** Daily: the DMARC preflight of every sender again (lib/senders/preflight.ts). */
  senderPreflight: "sender-preflight",
  /** "Send the webhook deliveries that are due": from the worker's due-check, after a failure's backoff, and the test button. */
  webhooks: "webhooks",
} as const;

/** Mail of the application is retried for up to 48 hours (SPEC §3). */
export const DELIVERY_GIVE_UP_MS = 48 * 60 * 60 * 1000;
// Retries of a message are the engine's (nextAttemptAt and a wake-up job), not pg-boss's; pg-boss
// retries only a job whose worker died. Its expiry (10 min) exceeds a drain (20 s of claims plus
// the longest SMTP wait: connection 30 s + greeting 30 s + socket 60 s), so a live drain is never
// started twice for the same job.
export const DELIVERY_JOB = { retryLimit: 10, retryDelay: 30, retryBackoff: true, expireInSeconds: 600 } as const;

export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.maintenance, { retryLimit: 3, retryDelay: 60, expireInSeconds: 15 * 60 });
  await boss.createQueue(QUEUES.delivery, DELIVERY_JOB);
  await boss.createQueue(QUEUES.serverReady, { ...DELIVERY_JOB, policy: "short" });
  await boss.createQueue(QUEUES.serverWake, DELIVERY_JOB);
  await boss.createQueue(QUEUES.deliverySweep, { retryLimit: 0, expireInSeconds: 120 });
  // Pruning is idempotent and resumes where it stopped, so a failed run is simply tried again later.
  await boss.createQueue(QUEUES.retention, { retryLimit: 3, retryDelay: 600, expireInSeconds: 60 * 60 });
  // DNS lookups only; tomorrow's run is soon enough after a failed one.
  await boss.createQueue(QUEUES.senderPreflight, { retryLimit: 0, expireInSeconds: 60 * 60 });
  // A job only says "look"; the delivery rows carry the state, so a lost job loses nothing.
  await boss.createQueue(QUEUES.webhooks, { retryLimit: 0, expireInSeconds: 5 * 60 });
}
