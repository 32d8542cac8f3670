/**
 * Worker process entry: `npm run worker` (started by `npm start`, which restarts it when it
 * dies). Stops gracefully on SIGTERM/SIGINT so jobs in flight are finished or handed back,
 * never half-done.
 */
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { startWorkerMetricsListener } from "@/lib/metrics/registry.ts";
import { startWorker, stopWorker } from "@/lib/ops/jobs.ts";
import { loadEnvironment } from "./environment.ts";
import { logger } from "@/lib/log/logger.ts";

async function main() {
  const env = await loadEnvironment({ requireDatabase: true });
  const boss = await startWorker(env.DATABASE_URL!);
  const { METRICS_TOKEN, WORKER_METRICS_PORT } = config();
  if (WORKER_METRICS_PORT && METRICS_TOKEN) {
    await startWorkerMetricsListener(WORKER_METRICS_PORT, METRICS_TOKEN);
    logger.info("worker metrics listening", { port: WORKER_METRICS_PORT });
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("worker stopping", { signal });
    // A failure while stopping (the database already gone, a connection ended) is expected
    // noise at that point: one line with the reason, no stack trace.
    await stopWorker(boss).catch((error: Error) => logger.warn("worker stop incomplete", { reason: error.message }));
    await db()
      .$disconnect()
      .catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  logger.error("worker failed to start", { error });
  process.exit(1);
});
