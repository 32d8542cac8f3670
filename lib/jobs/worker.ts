import type { PgBoss } from "pg-boss";
import { pruneLoginThrottles } from "@/lib/auth/login-throttle.ts";
import { db } from "@/lib/db/client.ts";
import { deliverMessage } from "@/lib/delivery/deliver.ts";
import { logger } from "@/lib/ops/logger.ts";
import { createBoss } from "./boss.ts";
import { ensureQueues, QUEUES } from "./queues.ts";

/**
 * The background worker: creates the queues, registers handlers and schedules. Runs in its
 * own process (lib/ops/worker.ts), or inside the web process when WORKER_IN_PROCESS=1.
 */
export async function startWorker(connectionString: string): Promise<PgBoss> {
  const boss = createBoss(connectionString, "worker");
  await boss.start();
  await ensureQueues(boss);

  await boss.schedule(QUEUES.maintenance, "17 3 * * *", { task: "prune-login-throttles" });
  await boss.work(QUEUES.maintenance, async (jobs) => {
    for (const job of jobs) {
      const pruned = await pruneLoginThrottles(db());
      logger.info("maintenance done", { job: job.id, prunedLoginThrottles: pruned });
    }
  });
  await boss.work<{ messageId: string }>(QUEUES.verificationMail, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const result = await deliverMessage(db(), job.data.messageId);
    logger.info("verification mail", { messageId: job.data.messageId, result });
    // Throwing hands the job back to pg-boss, which retries it with backoff.
    if (result === "retry") throw new Error("transient delivery failure, retrying later");
  });
  await boss.work<{ messageId: string }>(QUEUES.delivery, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const result = await deliverMessage(db(), job.data.messageId);
    if (result === "retry") throw new Error("transient delivery failure, retrying later");
  });
  logger.info("worker started", { pid: process.pid });
  return boss;
}

export async function stopWorker(boss: PgBoss): Promise<void> {
  // Graceful: let running jobs finish (bounded), then close the pool.
  await boss.stop({ graceful: true, timeout: 20_000, close: true });
}
