import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import nodemailer from "nodemailer";
import type { PgBoss } from "pg-boss";
import { lossAndDuplicates, type Receive } from "./analysis.ts";
import { FROM, prequeue, recipientOf } from "./prequeue.ts";
import type { Sink, SinkReport } from "./sink.ts";
import {
  benchServer,
  cpuSeconds,
  logPath,
  postgresCpuSeconds,
  round,
  rssSampler,
  startWorker,
  statusCounts,
  stopChild,
  waitFor,
  type BenchContext,
  type Worker,
} from "./support.ts";

export const DELIVERY_MESSAGES = 20_000;
const CONNECTIONS = 5;

export type DeliveryResult = {
  messages: number;
  messagesPerSecond: number;
  baselineMessagesPerSecond: number;
  ratio: number;
  /** From spawning the worker to its "worker started" line (included in messagesPerSecond). */
  workerStartupMs: number;
  /** Rate between the first and the last receive at the sink (start-up excluded). */
  steadyMessagesPerSecond: number;
  workerPeakRssMb: number;
  lost: number;
  duplicates: number;
  /** Where a drain batch spends its time, from the engine's own records (DB clock). */
  phases: Phases | null;
  /** CPU per message of each process, baseline and drain, and the rate at which the drain's would fill every core. */
  cpu: CpuFigures;
  /** A worker killed mid-drain (crashBench). */
  crash: CrashResult;
  /** The same drain with a webhook endpoint subscribed to every event (webhooksBench). */
  webhooks: WebhooksResult;
};

export type WebhooksResult = {
  messages: number;
  /** Mean rate of the drains with webhooks on. */
  messagesPerSecond: number;
  /** Against the same run's plain nodemailer baseline, like `ratio`. */
  ratio: number;
  /** Mean rate of the drains with webhooks on ÷ that of the drains with them off (paired, ABBA): 0.9 or more is the target (issue 18). */
  ratioVsOff: number;
  /** The four drains in their order: endpoint inactive, active, active, inactive. */
  drains: { webhooks: boolean; messagesPerSecond: number }[];
  /** Events written by the triggers during the first drain with webhooks on, and delivered to the receiver by its end. */
  events: number;
  delivered: number;
  /** From an event's creation to its delivery (the receiver's 2xx recorded): what a receiver waits. */
  eventLagP50Seconds: number | null;
  eventLagP95Seconds: number | null;
  eventLagMaxSeconds: number | null;
};

export type CrashResult = {
  messages: number;
  connections: number;
  /** Messages that arrived twice (the bound: one per connection). */
  duplicates: number;
  /** Messages the log marks "mogelijk dubbel" (should equal the duplicates). */
  marked: number;
  lost: number;
  /** From the SIGKILL to the next receive at the sink. */
  takeoverSeconds: number;
};

export const CRASH_MESSAGES = 2_000;

type Phases = {
  batches: number;
  messagesPerBatch: number;
  /** From the claim's timestamp to the first hand-over of the batch finishing (claim tx + first send). */
  claimToFirstSentMs: number;
  /** From the first to the last hand-over of the batch finishing (pure SMTP). */
  sendSpanMs: number;
  /** From the last hand-over of a batch to the next claim's timestamp (recording, lease, reload, lock). */
  lastSentToNextClaimMs: number;
};

type CpuUse = { runner: number; sink: number; worker: number | null; postgres: number | null; messages: number };

/** CPU seconds used meanwhile by this process, the sink and, when asked, a worker and the PostgreSQL server (bench/support.ts). */
function cpuMeter(of: { sink: number; worker?: number; postgres?: boolean }) {
  const take = () => {
    const runner = process.cpuUsage();
    return {
      runner: (runner.user + runner.system) / 1e6,
      sink: cpuSeconds(of.sink) ?? Number.NaN,
      worker: of.worker ? cpuSeconds(of.worker) : null,
      postgres: of.postgres ? postgresCpuSeconds() : null,
    };
  };
  const first = take();
  return {
    read(): Omit<CpuUse, "messages"> {
      const last = take();
      const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
      return {
        runner: last.runner - first.runner,
        sink: last.sink - first.sink,
        worker: delta(first.worker, last.worker),
        postgres: delta(first.postgres, last.postgres),
      };
    },
  };
}

type CpuFigures = {
  cores: number;
  /** ms of CPU per message: the bench runner (nodemailer) and the sink. */
  baseline: { runnerMs: number; sinkMs: number; totalMs: number };
  /** ms of CPU per message while the worker drains: worker, PostgreSQL (all of it: the runner polls every 100 ms), sink, runner. */
  drain: { workerMs: number | null; postgresMs: number | null; sinkMs: number; runnerMs: number; totalMs: number | null } | null;
  /** Messages per second at which the drain's CPU per message would fill every core: no scheduling can go faster on this machine. */
  drainCeilingMessagesPerSecond: number | null;
  /** That ceiling ÷ the baseline's rate: the best `ratio` this design could reach here. */
  drainCeilingRatio: number | null;
};

function cpuFigures(baselineUse: CpuUse, drainUse: CpuUse | null, baselineRate: number): CpuFigures {
  const cores = availableParallelism();
  const per = (seconds: number | null, messages: number) => (seconds === null || !Number.isFinite(seconds) ? null : round((seconds * 1000) / messages, 3));
  const baselineRunner = per(baselineUse.runner, baselineUse.messages) ?? Number.NaN;
  const baselineSink = per(baselineUse.sink, baselineUse.messages) ?? Number.NaN;
  let drain: CpuFigures["drain"] = null;
  let ceiling: number | null = null;
  if (drainUse && drainUse.messages > 0) {
    const workerMs = per(drainUse.worker, drainUse.messages);
    const postgresMs = per(drainUse.postgres, drainUse.messages);
    const sinkMs = per(drainUse.sink, drainUse.messages) ?? Number.NaN;
    const runnerMs = per(drainUse.runner, drainUse.messages) ?? Number.NaN;
    const totalMs = workerMs === null || postgresMs === null ? null : round(workerMs + postgresMs + sinkMs + runnerMs, 3);
    drain = { workerMs, postgresMs, sinkMs, runnerMs, totalMs };
    ceiling = totalMs ? round((cores * 1000) / totalMs) : null;
  }
  return {
    cores,
    baseline: { runnerMs: baselineRunner, sinkMs: baselineSink, totalMs: round(baselineRunner + baselineSink, 3) },
    drain,
    drainCeilingMessagesPerSecond: ceiling,
    drainCeilingRatio: ceiling === null ? null : round(ceiling / baselineRate, 3),
  };
}

/** Per batch (one claim = one DeliveryAttempt.startedAt): how long each phase took on average. */
async function phases(ctx: BenchContext, serverId: string): Promise<Phases | null> {
  const [row] = await ctx.prisma.$queryRaw<{ batches: bigint; per: number; claim: number; span: number; gap: number }[]>`
    WITH b AS (
      SELECT a."startedAt" AS claimed, count(*) AS n, min(a."finishedAt") AS first_done, max(a."finishedAt") AS last_done
      FROM "DeliveryAttempt" a JOIN "OutboundMessage" m ON m.id = a."messageId"
      WHERE m."serverId" = ${serverId}::uuid GROUP BY a."startedAt"
    ), w AS (SELECT *, lead(claimed) OVER (ORDER BY claimed) AS next_claim FROM b)
    SELECT count(*) AS batches, avg(n)::float8 AS per,
      avg(extract(epoch FROM first_done - claimed) * 1000)::float8 AS claim,
      avg(extract(epoch FROM last_done - first_done) * 1000)::float8 AS span,
      avg(extract(epoch FROM next_claim - last_done) * 1000)::float8 AS gap
    FROM w`;
  if (!row || Number(row.batches) === 0) return null;
  return {
    batches: Number(row.batches),
    messagesPerBatch: round(row.per),
    claimToFirstSentMs: round(row.claim),
    sendSpanMs: round(row.span),
    lastSentToNextClaimMs: round(row.gap),
  };
}

export function toReceives(report: SinkReport): Receive[] {
  return report.indexes.map((index, i) => ({ index, at: report.times[i]!, recipients: report.recipients[i]! }));
}

/**
 * Plain nodemailer with the pool settings Postkamer uses (5 connections, maxMessages Infinity,
 * no TLS) sending the same messages to the same sink: all handed to the pool at once, timed until
 * the last one is accepted.
 */
/** Seconds from `started` until every bench message of the server is SENT; fails when the worker exits. */
async function waitUntilAllSent(prisma: BenchContext["prisma"], serverId: string, worker: Worker, started: number, what: string): Promise<number> {
  let seconds = 0;
  await waitFor(
    what,
    async () => {
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid AND status = 'SENT'`;
      if (Number(row!.n) < DELIVERY_MESSAGES) {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}); see ${worker.logFile}`);
        return false;
      }
      seconds = (performance.now() - started) / 1000;
      return true;
    },
    300_000,
    100,
  );
  return seconds;
}

async function baseline(sink: Sink, count: number): Promise<number> {
  await sink.reset();
  const started = performance.now();
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: CONNECTIONS,
    maxMessages: Infinity,
    maxRequeues: 0,
    host: "127.0.0.1",
    port: sink.port,
    secure: false,
    ignoreTLS: true,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transporter.sendMail({
          from: FROM,
          to: [recipientOf(i)],
          subject: `Bericht ${i}`,
          text: `Inhoud ${i}`,
          messageId: `<${randomUUID()}@klant.example>`,
          envelope: { from: FROM.address, to: [recipientOf(i)] },
          disableFileAccess: true,
          disableUrlAccess: true,
        }),
      ),
    );
  } finally {
    transporter.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const received = await sink.count();
  if (received !== count) throw new Error(`baseline: the sink received ${received} of ${count}`);
  return count / seconds;
}

/** 20,000 messages queued (rows + jobs), then one worker process drains them into the sink. */
export async function deliveryBench(ctx: BenchContext, boss: PgBoss, sink: Sink): Promise<DeliveryResult> {
  const { prisma } = ctx;
  const server = await benchServer(prisma, { name: "Bench delivery", port: sink.port, maxConnections: CONNECTIONS });
  ctx.log(`  queueing ${DELIVERY_MESSAGES} messages…`);
  await prequeue(prisma, boss, server.id, DELIVERY_MESSAGES);
  await settleTables(prisma);

  ctx.log("  baseline: plain nodemailer pool → sink…");
  const baselineCpu = cpuMeter({ sink: sink.pid });
  const baselineRate = await baseline(sink, DELIVERY_MESSAGES);
  const baselineUse = baselineCpu.read();

  await sink.reset();
  ctx.log("  one worker process drains the queue…");
  const started = performance.now();
  const worker = startWorker(ctx.env, logPath(ctx, "delivery-worker.log"));
  const rss = rssSampler(worker.child.pid);
  let startupMs = Number.NaN;
  // The drain's CPU from the worker's "worker started" on (its start-up is not per message).
  const drainCpu = worker.started.then(
    async () => {
      startupMs = performance.now() - started;
      return { meter: cpuMeter({ sink: sink.pid, worker: worker.child.pid, postgres: true }), receivedBefore: await sink.count() };
    },
    () => null,
  );
  let sentSeconds = 0;
  let peak = 0;
  let drainUse: CpuUse | null = null;
  try {
    sentSeconds = await waitUntilAllSent(prisma, server.id, worker, started, "every message SENT").catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : error}; statuses ${JSON.stringify(await statusCounts(prisma, server.id))}`);
    });
    const measured = await drainCpu;
    if (measured) drainUse = { ...measured.meter.read(), messages: DELIVERY_MESSAGES - measured.receivedBefore };
  } finally {
    peak = rss.stop();
    await stopChild(worker.child);
  }
  const receives = toReceives(await sink.report());
  const { lost, duplicates } = lossAndDuplicates(receives, DELIVERY_MESSAGES);
  const times = receives.map((r) => r.at);
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  const rate = DELIVERY_MESSAGES / sentSeconds;
  return {
    messages: DELIVERY_MESSAGES,
    messagesPerSecond: round(rate),
    baselineMessagesPerSecond: round(baselineRate),
    ratio: round(rate / baselineRate, 3),
    workerStartupMs: Math.round(startupMs),
    steadyMessagesPerSecond: round(receives.length / spanSeconds),
    workerPeakRssMb: peak,
    lost,
    duplicates,
    cpu: cpuFigures({ ...baselineUse, messages: DELIVERY_MESSAGES }, drainUse, baselineRate),
    phases: await phases(ctx, server.id),
    crash: await crashBench(ctx, boss, sink),
    webhooks: await webhooksBench(ctx, boss, sink, { baselineRate }),
  };
}

/**
 * The delivery drain with webhooks off and on, as a paired comparison: four drains of the same
 * 20,000 messages of an API key whose endpoint (every event, a loopback receiver) is inactive, active,
 * active, inactive (ABBA: a drift of the machine or the database over the four cancels out), each
 * from the same starting point (the previous drain's rows deleted, the tables vacuumed). With the
 * endpoint active each hand-over's status change writes an event in the engine's own statement
 * (statement-level trigger, outbox) and the same worker process fans the events out and sends
 * them while it drains. The first drain of the bench (`ratio`) is no control: a drain later in the
 * same database ran 17 % slower with no endpoint at all (docs/benchmarks.md).
 */
async function webhooksBench(ctx: BenchContext, boss: PgBoss, sink: Sink, reference: { baselineRate: number }): Promise<WebhooksResult> {
  const { prisma } = ctx;
  const { createServer } = await import("node:http");
  const { createWebhookEndpoint } = await import("@/lib/webhooks/mutations.ts");
  const { createApiKey } = await import("@/lib/apikeys/mutations.ts");
  const { WEBHOOK_EVENTS } = await import("@/lib/webhooks/events.ts");
  let received = 0;
  const receiver = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      received++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  try {
    const actor = { id: null, label: "bench" };
    const key = await createApiKey(prisma, actor, { name: "Bench webhooks" });
    const endpoint = await createWebhookEndpoint(prisma, actor, { apiKeyId: key.id, url, events: [...WEBHOOK_EVENTS] }, { allowPrivate: true });
    const server = await benchServer(prisma, { name: "Bench webhooks", port: sink.port, maxConnections: CONNECTIONS });
    const drains: WebhooksResult["drains"] = [];
    let on: Omit<WebhooksResult, "messagesPerSecond" | "ratio" | "ratioVsOff" | "drains" | "messages"> | null = null;
    for (const [n, active] of [false, true, true, false].entries()) {
      // The same starting point for each drain: the earlier drain's messages, handoffs and events gone, dead rows vacuumed.
      await prisma.$executeRaw`DELETE FROM "OutboundMessage" WHERE "serverId" = ${server.id}::uuid`;
      await prisma.$executeRaw`DELETE FROM "ServerHandoff" WHERE "serverId" = ${server.id}::uuid`;
      await prisma.$executeRaw`DELETE FROM "WebhookDelivery"`;
      await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { active } });
      ctx.log(`  webhooks ${active ? "on" : "off"} (${n + 1} of 4): queueing ${DELIVERY_MESSAGES} messages of an API key with an endpoint for every event…`);
      await prequeue(prisma, boss, server.id, DELIVERY_MESSAGES, { first: DELIVERY_MESSAGES + CRASH_MESSAGES });
      await prisma.$executeRaw`UPDATE "OutboundMessage" SET "apiKeyId" = ${key.id}::uuid WHERE "serverId" = ${server.id}::uuid`;
      await settleTables(prisma);
      await sink.reset();
      received = 0;
      const started = performance.now();
      const worker = startWorker({ ...ctx.env, ALLOW_PRIVATE_WEBHOOK_URLS: "1" }, logPath(ctx, `delivery-webhooks-${n + 1}-worker.log`));
      let sentSeconds = 0;
      try {
        sentSeconds = await waitUntilAllSent(prisma, server.id, worker, started, `every message SENT (webhooks ${active ? "on" : "off"})`);
        // The webhooks themselves may finish a little later; they are not part of the delivery rate.
        if (active) {
          await waitFor(
            "the webhooks delivered",
            async () => (await prisma.webhookDelivery.count({ where: { status: "DELIVERED" } })) >= DELIVERY_MESSAGES,
            120_000,
            500,
          ).catch(() => undefined);
        }
      } finally {
        await stopChild(worker.child);
      }
      drains.push({ webhooks: active, messagesPerSecond: round(DELIVERY_MESSAGES / sentSeconds) });
      // The figures of the events are those of the first drain with webhooks on.
      on ??= active
        ? {
            events: (await prisma.webhookDelivery.count()) + (await prisma.webhookEvent.count()),
            delivered: Math.min(received, await prisma.webhookDelivery.count({ where: { status: "DELIVERED" } })),
            ...(await eventLag(prisma)),
          }
        : null;
    }
    const mean = (active: boolean) => {
      const rates = drains.filter((d) => d.webhooks === active).map((d) => d.messagesPerSecond);
      return rates.reduce((a, b) => a + b, 0) / rates.length;
    };
    const rate = mean(true);
    return {
      messages: DELIVERY_MESSAGES,
      messagesPerSecond: round(rate),
      ratio: round(rate / reference.baselineRate, 3),
      ratioVsOff: round(rate / mean(false), 3),
      drains,
      ...on!,
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

/**
 * The state autovacuum keeps the tables in: analysed, and the earlier phases' dead rows gone
 * (otherwise a later phase pays for an earlier one's, and autovacuum may start in the middle of it).
 */
async function settleTables(prisma: BenchContext["prisma"]): Promise<void> {
  for (const table of ['"OutboundMessage"', '"DeliveryAttempt"', '"ServerHandoff"', '"WebhookDelivery"', "pgboss.job"]) {
    await prisma.$executeRawUnsafe(`VACUUM (ANALYZE) ${table}`).catch(() => {});
  }
}

async function eventLag(prisma: BenchContext["prisma"]) {
  const [row] = await prisma.$queryRaw<{ p50: number | null; p95: number | null; max: number | null }[]>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY lag) AS p95, max(lag) AS max
    FROM (SELECT extract(epoch FROM "lastAttemptAt" - "createdAt")::float8 AS lag FROM "WebhookDelivery" WHERE status = 'DELIVERED') l`;
  const seconds = (value: number | null | undefined) => (value === null || value === undefined ? null : round(value, 2));
  return { eventLagP50Seconds: seconds(row?.p50), eventLagP95Seconds: seconds(row?.p95), eventLagMaxSeconds: seconds(row?.max) };
}

/**
 * Two worker processes drain 2,000 messages; once a quarter arrived, the one holding the drain is
 * killed with SIGKILL. The other must take over (liveness, not the 5-minute lease), deliver the
 * rest, and send again only what was on the wire.
 */
async function crashBench(ctx: BenchContext, boss: PgBoss, sink: Sink): Promise<CrashResult> {
  const { prisma } = ctx;
  const server = await benchServer(prisma, { name: "Bench crash", port: sink.port, maxConnections: CONNECTIONS });
  await prequeue(prisma, boss, server.id, CRASH_MESSAGES, { first: DELIVERY_MESSAGES });
  await sink.reset();
  ctx.log(`  crash: two workers, the drain holder killed with SIGKILL after ${CRASH_MESSAGES / 4} of ${CRASH_MESSAGES}…`);
  const workers = [startWorker(ctx.env, logPath(ctx, "crash-worker-1.log")), startWorker(ctx.env, logPath(ctx, "crash-worker-2.log"))];
  let killedAt = 0;
  try {
    await waitFor("a quarter delivered", async () => (await sink.count()) >= CRASH_MESSAGES / 4, 120_000, 5);
    const [row] = await prisma.$queryRaw<{ holder: string | null }[]>`SELECT "drainHolder" AS holder FROM "MailServer" WHERE id = ${server.id}::uuid`;
    const pid = Number(row?.holder?.split(":")[1]);
    const victim = workers.find((w) => w.child.pid === pid) ?? workers[0]!;
    victim.child.kill("SIGKILL");
    killedAt = Date.now();
    await waitFor(
      "every message SENT after the crash",
      async () => {
        const [done] = await prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${server.id}::uuid AND status = 'SENT'`;
        return Number(done!.n) >= CRASH_MESSAGES;
      },
      120_000,
      100,
    );
  } finally {
    for (const worker of workers) await stopChild(worker.child);
  }
  const receives = toReceives(await sink.report()).map((r) => ({ ...r, index: r.index - DELIVERY_MESSAGES }));
  const { lost, duplicates } = lossAndDuplicates(receives, CRASH_MESSAGES);
  const [marks] = await prisma.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${server.id}::uuid AND "possibleDuplicate"`;
  const after = receives.map((r) => r.at).filter((at) => at > killedAt + 50);
  return {
    messages: CRASH_MESSAGES,
    connections: CONNECTIONS,
    duplicates,
    marked: Number(marks!.n),
    lost,
    takeoverSeconds: round((Math.min(...after) - killedAt) / 1000, 2),
  };
}
