import type { PgBoss } from "pg-boss";
import { pruneLoginThrottles } from "@/lib/auth/login-throttle.ts";
import { pruneRevokedSessions } from "@/lib/auth/session-token.ts";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import {
  acceptDrains,
  drainsFinished,
  drainsRunning,
  handleDeliveryJobs,
  handleServerJobs,
  sweep,
  wakeServer,
  WORKER_ID,
  type DeliveryJob,
} from "@/lib/delivery/dispatch.ts";
import { startHeartbeat } from "@/lib/delivery/liveness.ts";
import { closeAllTransports } from "@/lib/delivery/transport-pool.ts";
import { pruneDeliveryLog } from "@/lib/logging/retention.ts";
import { logger } from "@/lib/log/logger.ts";
import { checkAllSenderPreflights } from "@/lib/senders/mutations.ts";
import { rollUpAllServers } from "@/lib/stats/data.ts";
import { createBoss } from "@/lib/jobs/boss.ts";
import { ensureQueues, QUEUES } from "@/lib/jobs/queues.ts";
import { dispatchAndReschedule, startWebhookWake } from "@/lib/webhooks/mutations.ts";
import { closeWebhookConnections } from "@/lib/webhooks/send.ts";

/**
 * The background worker: creates the queues, registers handlers and schedules. Runs in its
 * own process (lib/ops/worker.ts), or inside the web process when WORKER_IN_PROCESS=1.
 */
export async function startWorker(connectionString: string): Promise<PgBoss> {
  const boss = createBoss(connectionString, "worker");
  await boss.start();
  await ensureQueues(boss);

  // Hourly: a throttle row is forgotten an hour after its last failure, so this bounds the table
  // to what the last hour's failed sign-ins wrote.
  await boss.schedule(QUEUES.maintenance, "17 * * * *", { task: "prune-login-throttles" });
  await boss.work(QUEUES.maintenance, async (jobs) => {
    for (const job of jobs) {
      const pruned = await pruneLoginThrottles(db());
      const prunedRevokedSessions = await pruneRevokedSessions(db());
      // The statistics' hourly rollup, so the server page rarely has to roll up hours itself.
      const rolledUpServers = await rollUpAllServers(db());
      logger.info("maintenance done", { job: job.id, prunedLoginThrottles: pruned, prunedRevokedSessions, rolledUpServers });
    }
  });
  // Jobs only start drains (lib/delivery/dispatch.ts startDrain): each server drains on its own,
  // so a slow or waiting server never holds up another. Two lanes for the platform's own mail.
  acceptDrains();
  // A full batch means more is waiting: fetch again at once instead of after the polling interval,
  // so a backlog (platform mail submitted together, or wake-ups piling up) is taken at fetch speed
  // rather than a batch per half second.
  await boss.work<DeliveryJob>(
    QUEUES.delivery,
    { batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: 2 },
    async (jobs) => {
      await handleDeliveryJobs(
        db(),
        boss,
        jobs.map((job) => job.data),
      );
    },
  );
  for (const queue of [QUEUES.serverReady, QUEUES.serverWake]) {
    await boss.work<{ serverId: string }>(queue, { batchSize: 20, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true }, async (jobs) =>
      handleServerJobs(
        db(),
        boss,
        jobs.map((job) => job.data),
      ),
    );
  }
  await boss.schedule(QUEUES.deliverySweep, "* * * * *", {});
  await boss.work(QUEUES.deliverySweep, async () => sweep(db(), boss));
  await boss.schedule(QUEUES.retention, "23 2 * * *", {});
  await boss.work(QUEUES.retention, async (jobs) => {
    for (const job of jobs) {
      const retentionDays = config().LOG_RETENTION_DAYS;
      const pruned = await pruneDeliveryLog(db(), { now: new Date(), retentionDays });
      logger.info("delivery log pruned", { job: job.id, retentionDays, ...pruned });
    }
  });
  await boss.schedule(QUEUES.senderPreflight, "41 4 * * *", {});
  await boss.work(QUEUES.senderPreflight, async (jobs) => {
    for (const job of jobs) {
      const summary = await checkAllSenderPreflights(db());
      logger.info("sender preflight done", { job: job.id, ...summary });
    }
  });
  // Webhooks (lib/webhooks): a due-check every 2 s queues a dispatch; a failure's backoff queues the next.
  await boss.work(QUEUES.webhooks, { batchSize: 20, pollingIntervalSeconds: 0.5 }, async () =>
    dispatchAndReschedule(db(), boss, { delivering: () => drainsRunning() > 0 }),
  );
  webhookWakes.set(boss, startWebhookWake(db(), boss));
  // Liveness: other workers take over this worker's drains within seconds if it dies, and this
  // one takes over theirs (lib/delivery/liveness.ts).
  const stopHeartbeat = startHeartbeat(db(), WORKER_ID, async (serverIds) => {
    for (const serverId of serverIds) await wakeServer(boss, serverId);
  });
  heartbeats.set(boss, stopHeartbeat);
  logger.info("worker started", { pid: process.pid });
  return boss;
}

const heartbeats = new WeakMap<PgBoss, () => Promise<void>>();
const webhookWakes = new WeakMap<PgBoss, () => void>();

export async function stopWorker(boss: PgBoss): Promise<void> {
  // Graceful: let running jobs finish (bounded), then close the pools.
  webhookWakes.get(boss)?.();
  // No new drains; the running ones end within their deadline (their wake-ups still need pg-boss).
  await Promise.all([QUEUES.delivery, QUEUES.serverReady, QUEUES.serverWake].map((queue) => boss.offWork(queue)));
  await drainsFinished();
  await boss.stop({ graceful: true, timeout: 20_000, close: true });
  closeAllTransports();
  closeWebhookConnections();
  // Last: until its drains are finished, this worker is alive and holds them.
  await heartbeats.get(boss)?.();
}
