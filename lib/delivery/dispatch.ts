import { hostname } from "node:os";
import { createHash, randomBytes } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type { Db } from "@/lib/db/client.ts";
import { DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";
import { logger } from "@/lib/log/logger.ts";
import { deliverMessage } from "./deliver.ts";
import { announceReady } from "./outbox.ts";
import { drainServer } from "./engine.ts";

export const WORKER_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
let drains = 0;

/** Within the drainer's in-process wait (engine.ts IN_PROCESS_WAIT_MS), above pg-boss's polling interval. */
const WAKE_EARLY_MS = 1_000;

export type DeliveryJob = { messageId: string; serverId: string | null };

/**
 * A wake-up this far ahead or more is sent once per (server, moment): its job cannot have started
 * yet, so a second request for the same moment adds nothing.
 */
const WAKE_DEDUPLICATE_AHEAD_MS = 2_000;

/** The job id of the wake-up of `serverId` at `at`: the same for every request of that moment, in any process. */
export function wakeJobId(serverId: string, at: Date): string {
  const hex = createHash("sha256").update(`server-wake:${serverId}:${at.getTime()}`).digest("hex");
  // Shaped as a UUID (version 8, RFC 9562: custom), the type of pg-boss's job ids.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Wake a server's drainer at `at` (now when omitted). Duplicates are harmless (a second drainer
 * finds the lease taken or nothing to do), but not free: every drain that finds a server waiting
 * for its window asks for the same wake-up (the `scale` bench sent 782 wake-ups for 47 moments),
 * and the copies queued ahead of other servers' wake-ups delayed those by up to 9 s. So a wake-up
 * for a later moment carries an id derived from (server, moment), and pg-boss keeps one job per id
 * (`ON CONFLICT DO NOTHING`); a job for a moment still ahead cannot have run yet, so nothing is
 * lost. A wake-up for a moment just ahead goes as it is (its namesake may have run already), and
 * one for now is the server's "mail ready" (outbox.ts announceReady: one waits per server).
 * pg-boss's singleton slots would be worse: they drop a wake-up for a later moment when an
 * earlier one sits in the same slot.
 */
export async function wakeServer(boss: PgBoss, serverId: string, at?: Date): Promise<void> {
  if (!at || at.getTime() <= Date.now()) return announceReady(boss, serverId);
  const ahead = at.getTime() - Date.now() >= WAKE_DEDUPLICATE_AHEAD_MS;
  await boss.send(QUEUES.serverWake, { serverId }, { ...DELIVERY_JOB, startAfter: at, ...(ahead ? { id: wakeJobId(serverId, at) } : {}) });
}

async function drainAndReschedule(prisma: Db, boss: PgBoss, serverId: string): Promise<void> {
  // Each drain is its own lease holder: two drains of one process must not drain one server together.
  const result = await drainServer(prisma, serverId, { workerId: `${WORKER_ID}:${++drains}` });
  logger.debug("drained", { serverId, ...result });
  // A busy server is being drained by another worker, which looks again before it lets go. The
  // wake-up job comes a little early (pg-boss polls): the drainer sleeps the rest, to the millisecond.
  if (!result.busy && result.wakeAt) await wakeServer(boss, serverId, new Date(result.wakeAt.getTime() - WAKE_EARLY_MS));
}

/**
 * At most this many servers drain at once in one process; more wait their turn, in order. A drain
 * mostly waits (SMTP answers, commits), so many fit in one event loop; the bound keeps the
 * database pool and memory in reach (each drain holds one claimed batch).
 */
export const MAX_CONCURRENT_DRAINS = 32;

type Running = { again: boolean };
const running = new Map<string, Running>();
const waitingTurn: string[] = [];
let accepting = true;
let allDone: { promise: Promise<void>; resolve: () => void } | null = null;

/**
 * Starts draining a server in this process and returns at once: every server drains on its own,
 * so one server's long drain or in-process wait for its window never holds up another server's
 * mail (a job handler that awaited its drains kept a whole batch of servers waiting, up to a
 * minute in the `scale` bench). A wake-up while the server's drain runs makes it look again when
 * it ends. A drain that fails is tried again in 30 s (the job's retry did that before); if this
 * process dies, the heartbeat's takeover and the minute's sweep wake the server elsewhere.
 */
export function startDrain(prisma: Db, boss: PgBoss, serverId: string): void {
  if (!accepting) return;
  const current = running.get(serverId);
  if (current) {
    current.again = true;
    return;
  }
  if (running.size >= MAX_CONCURRENT_DRAINS) {
    if (!waitingTurn.includes(serverId)) waitingTurn.push(serverId);
    return;
  }
  const drain: Running = { again: false };
  running.set(serverId, drain);
  void (async () => {
    try {
      do {
        drain.again = false;
        await drainAndReschedule(prisma, boss, serverId);
      } while (drain.again && accepting);
    } catch (error) {
      logger.error("drain failed", { serverId, error });
      await wakeServer(boss, serverId, new Date(Date.now() + 30_000)).catch((wakeError: unknown) =>
        logger.error("could not schedule the drain's retry; the sweep will", { serverId, error: wakeError }),
      );
    } finally {
      running.delete(serverId);
      const next = waitingTurn.shift();
      if (next) startDrain(prisma, boss, next);
      if (running.size === 0) allDone?.resolve();
    }
  })();
}

/** How many servers this process is draining now (webhooks give way while it is: lib/webhooks/mutations.ts). */
export function drainsRunning(): number {
  return running.size;
}

/** Worker start: drains may start (again, after a stop in the same process). */
export function acceptDrains(): void {
  accepting = true;
  allDone = null;
}

/** Shutdown: no new drains; resolves when the running ones have ended (each within its deadline). */
export function drainsFinished(): Promise<void> {
  accepting = false;
  waitingTurn.length = 0;
  if (running.size === 0) return Promise.resolve();
  if (!allDone) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    allDone = { promise, resolve };
  }
  return allDone.promise;
}

/**
 * A batch of delivery jobs: platform mail message by message. (A job naming a customer server was
 * queued per message before server-ready existed; it starts the server's drain like server-ready.)
 */
export async function handleDeliveryJobs(prisma: Db, boss: PgBoss, jobs: DeliveryJob[]): Promise<void> {
  handleServerJobs(
    prisma,
    boss,
    jobs.flatMap((job) => (job.serverId ? [{ serverId: job.serverId }] : [])),
  );
  for (const job of jobs) {
    if (job.serverId) continue;
    const result = await deliverMessage(prisma, job.messageId);
    if (result === "retry") {
      const message = await prisma.outboundMessage.findUnique({ where: { id: job.messageId }, select: { nextAttemptAt: true } });
      await boss.send(QUEUES.delivery, job, { ...DELIVERY_JOB, startAfter: message?.nextAttemptAt ?? new Date(Date.now() + 30_000) });
    }
  }
}

/** Jobs of server-ready and server-wake: each named server's drain starts (or looks again when it ends). */
export function handleServerJobs(prisma: Db, boss: PgBoss, jobs: { serverId: string }[]): void {
  for (const serverId of new Set(jobs.map((job) => job.serverId))) startDrain(prisma, boss, serverId);
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
