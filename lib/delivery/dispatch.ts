import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type { Db } from "@/lib/db/client.ts";
import { DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";
import { logger } from "@/lib/log/logger.ts";
import { deliverMessage } from "./deliver.ts";
import { drainServer } from "./engine.ts";

export const WORKER_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
let drains = 0;

/** Within the drainer's in-process wait (engine.ts IN_PROCESS_WAIT_MS), above pg-boss's polling interval. */
const WAKE_EARLY_MS = 1_000;

export type DeliveryJob = { messageId: string; serverId: string | null };

/**
 * Wake a server's drainer at `at` (now when omitted). Duplicates are harmless (a second drainer
 * finds the lease taken or nothing to do); pg-boss's singleton slots would be worse, because they
 * drop a wake-up for a later moment when an earlier one sits in the same slot.
 */
export async function wakeServer(boss: PgBoss, serverId: string, at?: Date): Promise<void> {
  await boss.send(QUEUES.serverWake, { serverId }, { ...DELIVERY_JOB, startAfter: at ?? new Date() });
}

export async function drainAndReschedule(prisma: Db, boss: PgBoss, serverId: string): Promise<void> {
  // Each drain is its own lease holder: two lanes of one process must not drain one server together.
  const result = await drainServer(prisma, serverId, { workerId: `${WORKER_ID}:${++drains}` });
  logger.debug("drained", { serverId, ...result });
  // A busy server is being drained by another worker, which looks again before it lets go. The
  // wake-up job comes a little early (pg-boss polls): the drainer sleeps the rest, to the millisecond.
  if (!result.busy && result.wakeAt) await wakeServer(boss, serverId, new Date(result.wakeAt.getTime() - WAKE_EARLY_MS));
}

/**
 * A batch of delivery jobs: platform mail message by message, customer servers by draining each
 * server once (the drainer takes the messages in submission order, whatever job woke it).
 */
export async function handleDeliveryJobs(prisma: Db, boss: PgBoss, jobs: DeliveryJob[]): Promise<void> {
  const servers = new Set<string>();
  for (const job of jobs) {
    if (job.serverId) {
      servers.add(job.serverId);
      continue;
    }
    const result = await deliverMessage(prisma, job.messageId);
    if (result === "retry") {
      const message = await prisma.outboundMessage.findUnique({ where: { id: job.messageId }, select: { nextAttemptAt: true } });
      await boss.send(QUEUES.delivery, job, { ...DELIVERY_JOB, startAfter: message?.nextAttemptAt ?? new Date(Date.now() + 30_000) });
    }
  }
  for (const serverId of servers) await drainAndReschedule(prisma, boss, serverId);
}

/** The safety net: servers with ready mail and no drainer get a wake-up; lost platform retries a new job. */
export async function sweep(prisma: Db, boss: PgBoss): Promise<void> {
  const servers = await prisma.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT m."serverId" AS id FROM "OutboundMessage" m JOIN "MailServer" s ON s.id = m."serverId"
    WHERE s."pausedAt" IS NULL AND (s."drainLeaseUntil" IS NULL OR s."drainLeaseUntil" < clock_timestamp())
      AND (s."deferredUntil" IS NULL OR s."deferredUntil" <= clock_timestamp())
      AND (m.status IN ('QUEUED', 'SENDING') OR (m.status IN ('DEFERRED', 'RETRYING') AND m."nextAttemptAt" <= clock_timestamp()))`;
  for (const { id } of servers) await wakeServer(boss, id);
  const stale = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id FROM "OutboundMessage" WHERE "serverId" IS NULL AND status IN ('QUEUED', 'RETRYING')
      AND coalesce("nextAttemptAt", "createdAt") < clock_timestamp() - interval '5 minutes' LIMIT 1000`;
  for (const { id } of stale) await boss.send(QUEUES.delivery, { messageId: id, serverId: null }, DELIVERY_JOB);
  if (servers.length || stale.length) logger.info("delivery sweep", { servers: servers.length, platformMessages: stale.length });
}
