import type { PgBoss } from "pg-boss";

/** Every queue Postkamer uses, created explicitly at worker start (pg-boss 12 requires it). */
export const QUEUES = {
  maintenance: "maintenance",
} as const;

export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.maintenance, { retryLimit: 3, retryDelay: 60, expireInSeconds: 15 * 60 });
}
