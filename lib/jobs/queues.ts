import type { PgBoss } from "pg-boss";

/** Every queue Postkamer uses, created explicitly (pg-boss 12 requires it; creating is idempotent). */
export const QUEUES = {
  maintenance: "maintenance",
  /** The two verification e-mails of a sender (ownership through the platform, configuration through the server). */
  verificationMail: "verification-mail",
  /** Application mail (and test messages): one job per accepted message, written with it. */
  delivery: "delivery",
} as const;

/** Mail of the application is retried for up to 48 hours (SPEC §3). */
export const DELIVERY_GIVE_UP_MS = 48 * 60 * 60 * 1000;
export const DELIVERY_JOB = { retryLimit: 500, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 300 } as const;

// A verification mail is worth retrying for as long as its code is valid (24 h); the retry delay
// doubles from RETRY_BASE_SECONDS up to 15 minutes. The expiry exceeds the longest SMTP wait
// (connection 30 s + greeting 30 s + socket 60 s), so a live send is never started twice.
export const VERIFICATION_JOB = { retryLimit: 120, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 300 } as const;

export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.maintenance, { retryLimit: 3, retryDelay: 60, expireInSeconds: 15 * 60 });
  await boss.createQueue(QUEUES.verificationMail, VERIFICATION_JOB);
  await boss.createQueue(QUEUES.delivery, DELIVERY_JOB);
}
