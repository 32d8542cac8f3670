import { hostname } from "node:os";
import type { Db } from "@/lib/db/client.ts";
import { logger } from "@/lib/log/logger.ts";

/**
 * Worker liveness. Each worker process keeps a heartbeat row (WorkerProcess); a drain lease whose
 * holder's process stopped beating for DEAD_AFTER_SECONDS is free (claim.ts takeLease), so a
 * killed worker's servers are taken over in seconds instead of after the lease (5 minutes). A
 * live worker in a slow SMTP hand-over keeps beating (the timer does not wait for SMTP), so it
 * keeps its lease. A drain holder without a heartbeat row (tests, tools) falls back to the lease.
 */
export const HEARTBEAT_MS = 3_000;
export const DEAD_AFTER_SECONDS = 10;

/** `host:pid:random` — the prefix of every drain holder id of this process. */
export type WorkerId = string;

/** Whether a worker on this machine is gone: its pid no longer exists. */
function diedOnThisHost(workerId: WorkerId): boolean {
  const [host, pid] = workerId.split(":");
  if (host !== hostname() || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export async function beat(prisma: Db, workerId: WorkerId): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "WorkerProcess" (id, "heartbeatAt") VALUES (${workerId}, clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET "heartbeatAt" = clock_timestamp()`;
}

/**
 * Servers whose drain is held by a dead worker. A worker on this machine whose process is gone is
 * dead at once (a restarted worker takes over without waiting); elsewhere the heartbeat decides.
 */
export async function orphanedServers(prisma: Db): Promise<string[]> {
  const holders = await prisma.$queryRaw<{ id: string }[]>`
    SELECT w.id FROM "WorkerProcess" w
    WHERE w."heartbeatAt" >= clock_timestamp() - make_interval(secs => ${DEAD_AFTER_SECONDS})
      AND EXISTS (SELECT 1 FROM "MailServer" s WHERE starts_with(s."drainHolder", w.id || ':'))`;
  const gone = holders.map((h) => h.id).filter(diedOnThisHost);
  if (gone.length) {
    await prisma.$executeRaw`UPDATE "WorkerProcess" SET "heartbeatAt" = 'epoch' WHERE id = ANY(${gone}::text[])`;
  }
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    SELECT s.id FROM "MailServer" s JOIN "WorkerProcess" w ON starts_with(s."drainHolder", w.id || ':')
    WHERE s."drainLeaseUntil" >= clock_timestamp() AND s."pausedAt" IS NULL
      AND w."heartbeatAt" < clock_timestamp() - make_interval(secs => ${DEAD_AFTER_SECONDS})`;
  return rows.map((r) => r.id);
}

/**
 * Beats every HEARTBEAT_MS and hands each server a dead worker still holds to `takeOver` (a
 * wake-up: the next drainer takes the lease and recovers what was on the wire). Returns stop,
 * which removes this worker's row so nobody waits for it.
 */
export function startHeartbeat(prisma: Db, workerId: WorkerId, takeOver: (serverIds: string[]) => Promise<void>): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      await beat(prisma, workerId);
      const orphans = await orphanedServers(prisma);
      if (orphans.length) {
        logger.warn("taking over drains of a dead worker", { servers: orphans.length });
        await takeOver(orphans);
      }
      // Rows of workers gone for a day hold nothing any more.
      await prisma.$executeRaw`DELETE FROM "WorkerProcess" w WHERE w."heartbeatAt" < clock_timestamp() - interval '1 day'
        AND NOT EXISTS (SELECT 1 FROM "MailServer" s WHERE starts_with(s."drainHolder", w.id || ':'))`;
    })().catch((error: unknown) => logger.warn("heartbeat failed", { error: error instanceof Error ? error.message : String(error) }));
  };
  tick();
  const timer = setInterval(tick, HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await prisma.$executeRaw`DELETE FROM "WorkerProcess" WHERE id = ${workerId}`.catch(() => undefined);
  };
}
