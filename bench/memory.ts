import type { PgBoss } from "pg-boss";
import { prequeue } from "./prequeue.ts";
import type { Sink } from "./sink.ts";
import { benchServer, logPath, rssSampler, sleep, startWorker, stopChild, type BenchContext } from "./support.ts";

export const WAITING_MESSAGES = 100_000;
const OBSERVE_MS = 20_000;

export type MemoryResult = { waitingMessages: number; observedSeconds: number; workerPeakRssMb: number; deliveryJobsHandled: number | null };

/**
 * 100,000 messages for a server that is deferred for a day (a full window): the worker takes the
 * server's "mail ready", finds the server waiting and schedules its wake-up, while the messages
 * stay queued. Peak RSS (VmHWM) of the worker over ~20 s after it started.
 */
export async function memoryBench(ctx: BenchContext, boss: PgBoss, sink: Sink): Promise<MemoryResult> {
  const { prisma } = ctx;
  const server = await benchServer(prisma, {
    name: "Bench memory",
    port: sink.port,
    maxConnections: 5,
    limits: [{ count: 1_000, window: "DAY", unit: "MESSAGES" }],
    deferredUntil: new Date(Date.now() + 24 * 3600_000),
  });
  ctx.log(`  queueing ${WAITING_MESSAGES} messages…`);
  await prequeue(prisma, boss, server.id, WAITING_MESSAGES, { first: 0, chunk: 10_000 });
  await prisma.$executeRawUnsafe(`ANALYZE "OutboundMessage"`);
  await prisma.$executeRawUnsafe(`ANALYZE pgboss.job`).catch(() => {});
  const jobsBefore = await completedDeliveryJobs(ctx);
  const worker = startWorker(ctx.env, logPath(ctx, "memory-worker.log"));
  const rss = rssSampler(worker.child.pid);
  try {
    await worker.started;
    ctx.log(`  worker up; observing for ${OBSERVE_MS / 1000} s…`);
    await sleep(OBSERVE_MS);
    const peak = rss.stop();
    const jobsAfter = await completedDeliveryJobs(ctx);
    const stillWaiting = await prisma.outboundMessage.count({ where: { serverId: server.id, status: "QUEUED" } });
    if (stillWaiting !== WAITING_MESSAGES) throw new Error(`expected ${WAITING_MESSAGES} waiting messages, found ${stillWaiting}`);
    return {
      waitingMessages: WAITING_MESSAGES,
      observedSeconds: OBSERVE_MS / 1000,
      workerPeakRssMb: peak,
      deliveryJobsHandled: jobsAfter === null || jobsBefore === null ? null : jobsAfter - jobsBefore,
    };
  } finally {
    rss.stop();
    await stopChild(worker.child);
  }
}

async function completedDeliveryJobs(ctx: BenchContext): Promise<number | null> {
  try {
    const [row] = await ctx.prisma.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM pgboss.job WHERE name IN ('delivery', 'server-ready', 'server-wake') AND state = 'completed'`;
    return Number(row!.n);
  } catch {
    return null;
  }
}
