import type { PgBoss } from "pg-boss";
import { createBoss } from "@/lib/jobs/boss.ts";
import { ensureQueues } from "@/lib/jobs/queues.ts";
import { startWorker, stopWorker } from "@/lib/ops/jobs.ts";

/**
 * pg-boss as a test file needs it: the web side's instance (to submit jobs with) and, unless
 * `worker: false`, the background worker in this process, both on the test database.
 */
export async function startJobs(options: { worker?: boolean } = {}): Promise<{ boss: PgBoss; stop: () => Promise<void> }> {
  const boss = createBoss(process.env.DATABASE_URL!, "web");
  await boss.start();
  await ensureQueues(boss);
  // Jobs an earlier test file queued without a worker (it drained by hand) would otherwise be
  // this file's worker's first work: each file starts with empty queues.
  await boss.getDb().executeSql(`DELETE FROM pgboss.job WHERE state IN ('created', 'retry')`);
  const worker = options.worker === false ? undefined : await startWorker(process.env.DATABASE_URL!);
  return {
    boss,
    async stop() {
      if (worker) await stopWorker(worker);
      await boss.stop({ graceful: false, close: true });
    },
  };
}
