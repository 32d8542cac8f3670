import "server-only";
import { db } from "@/lib/db/client.ts";
import { webBoss, WORKER_INSTANCE_NAME } from "./boss.ts";

/** A worker counts as live while its last heartbeat in the instance registry is at most 30 s old. */
const WORKER_FRESH_MS = 3 * 10_000;

/**
 * What `/api/health` checks: the database answers, and how many workers sent a heartbeat
 * recently (pg-boss's instance registry). Never throws: a failing check is `ok: false`.
 */
export async function healthChecks(now = Date.now()): Promise<{ database: { ok: boolean }; queue: { ok: boolean; workers: number } }> {
  const database = await db().$queryRaw`SELECT 1`.then(() => ({ ok: true })).catch(() => ({ ok: false }));
  const queue = await webBoss()
    .then(async (boss) => {
      const instances = await boss.getInstances();
      const workers = instances.filter(
        (instance) => instance.name === WORKER_INSTANCE_NAME && !instance.stoppedOn && instance.heartbeatOn.getTime() > now - WORKER_FRESH_MS,
      ).length;
      return { ok: workers > 0, workers };
    })
    .catch(() => ({ ok: false, workers: 0 }));
  return { database, queue };
}
