/**
 * Worker process entry: `npm run worker` (started by `npm start`). Stops gracefully on
 * SIGTERM/SIGINT so jobs in flight are finished or handed back, never half-done.
 */
import { db } from "@/lib/db/client.ts";
import { startWorker, stopWorker } from "@/lib/jobs/worker.ts";
import { loadEnvironment } from "./environment.ts";
import { logger } from "./logger.ts";

async function main() {
  const env = await loadEnvironment({ requireDatabase: true });
  const boss = await startWorker(env.DATABASE_URL!);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("worker stopping", { signal });
    await stopWorker(boss).catch((error) => logger.error("worker stop failed", { error }));
    await db().$disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  logger.error("worker failed to start", { error });
  process.exit(1);
});
