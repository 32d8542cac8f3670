import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import type { PgBoss } from "pg-boss";
import type { Db } from "@/lib/db/client.ts";
import { announceReady } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import {
  gapsWithRoom,
  idealSchedule,
  lossAndDuplicates,
  orderViolations,
  recipientCounts,
  waitsWithRoom,
  windowViolations,
  type Receive,
  type WindowLimit,
} from "./analysis.ts";
import { toReceives } from "./delivery.ts";
import { FROM, recipientOf } from "./prequeue.ts";
import type { Sink } from "./sink.ts";
import { benchServer, logPath, percentile, round, sampleEvery, sleep, startWorker, stopChild, waitFor, type BenchContext } from "./support.ts";

/**
 * Scale-out (issue 19): twenty customer servers with different limits and connection counts, one
 * PostgreSQL, the same 20,000 messages drained once by one worker process and once by four. Every
 * limit must hold per server, every server keeps its order, and no server may sit idle with room
 * in its windows while its mail waits (starvation).
 */

type PlanLimit = { count: number; window: "SECOND" | "MINUTE" | "HOUR"; windowSize?: number; unit: "MESSAGES" | "RECIPIENTS" };
type ServerPlan = { maxConnections: number; messages: number; limits: PlanLimit[] };

const perMessages = (count: number, window: PlanLimit["window"], windowSize = 1): PlanLimit => ({ count, window, windowSize, unit: "MESSAGES" });
const perRecipients = (count: number, window: PlanLimit["window"], windowSize = 1): PlanLimit => ({ count, window, windowSize, unit: "RECIPIENTS" });

/**
 * The mix, 20,000 messages of 1–3 recipients. Servers without limits carry most of the volume (the
 * part where more workers could help); every limited server needs 40–70 s by its limits (the
 * per-minute ones a second window), so an ideal scheduler finishes in 70 s whatever the number of
 * workers.
 * Per-hour limits sit at or above what the server gets: they are checked, never waited for.
 */
const PLAN: ServerPlan[] = [
  { maxConnections: 5, messages: 4_000, limits: [] },
  { maxConnections: 3, messages: 3_000, limits: [] },
  { maxConnections: 2, messages: 2_000, limits: [] },
  { maxConnections: 1, messages: 1_500, limits: [] },
  { maxConnections: 4, messages: 840, limits: [] },
  { maxConnections: 1, messages: 650, limits: [] },
  { maxConnections: 1, messages: 600, limits: [perMessages(100, "SECOND", 10)] },
  { maxConnections: 2, messages: 250, limits: [perMessages(50, "SECOND", 10), perRecipients(400, "MINUTE")] },
  { maxConnections: 3, messages: 1_500, limits: [perMessages(30, "SECOND")] },
  { maxConnections: 2, messages: 800, limits: [perMessages(500, "MINUTE")] },
  { maxConnections: 1, messages: 240, limits: [perMessages(40, "SECOND", 10), perRecipients(600, "HOUR")] },
  { maxConnections: 1, messages: 200, limits: [perMessages(200, "HOUR")] },
  { maxConnections: 1, messages: 120, limits: [perMessages(20, "SECOND", 10)] },
  { maxConnections: 4, messages: 1_000, limits: [perRecipients(1_200, "MINUTE")] },
  { maxConnections: 2, messages: 450, limits: [perMessages(10, "SECOND"), perMessages(400, "MINUTE")] },
  { maxConnections: 1, messages: 250, limits: [perMessages(5, "SECOND")] },
  { maxConnections: 2, messages: 400, limits: [perRecipients(150, "SECOND", 10)] },
  { maxConnections: 3, messages: 600, limits: [perMessages(100, "SECOND", 10), perMessages(1_000, "HOUR")] },
  { maxConnections: 1, messages: 100, limits: [perMessages(60, "MINUTE")] },
  { maxConnections: 5, messages: 1_500, limits: [perMessages(300, "SECOND", 10)] },
];

export const SCALE_MESSAGES = PLAN.reduce((sum, server) => sum + server.messages, 0);

const WINDOW_MS = { SECOND: 1_000, MINUTE: 60_000, HOUR: 3_600_000 } as const;

function windowLimit(limit: PlanLimit): WindowLimit {
  const size = limit.windowSize ?? 1;
  const window = limit.window === "SECOND" && size > 1 ? `${size} s` : size > 1 ? `${size} ${limit.window.toLowerCase()}s` : limit.window.toLowerCase();
  return {
    count: limit.count,
    widthMs: WINDOW_MS[limit.window] * size,
    unit: limit.unit,
    label: `${limit.count.toLocaleString("en")} ${limit.unit === "MESSAGES" ? "messages" : "recipients"} / ${window}`,
  };
}

/** Which server each submitted message goes to: the plan's counts in a fixed pseudo-random order, as mail arrives through the API. */
function submissionOrder(plan: readonly ServerPlan[], seed = 19): number[] {
  const order = plan.flatMap((server, s) => Array.from({ length: server.messages }, () => s));
  let state = seed;
  for (let i = order.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = Math.floor(state / 65_536) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * All messages and each server's "mail ready" in one transaction, so they become visible at one
 * moment (the returned submission time). The rows are what queueMessage writes for such a message,
 * in one INSERT … SELECT instead of 20,000 calls, so that submitting takes seconds, as
 * bench/prequeue.ts does.
 */
async function submitMix(prisma: Db, boss: PgBoss, serverIds: readonly string[], order: readonly number[], counts: readonly number[]): Promise<number> {
  const servers = order.map((s) => serverIds[s]!);
  const recipients = counts.map((n, i) => Array.from({ length: n }, (_, k) => recipientOf(i, k)).join(","));
  await prisma.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; serverId: string; seq: bigint }[]>`
        WITH numbered AS (
          SELECT gen_random_uuid() AS id, t.i - 1 AS i, t.server, string_to_array(t.recipients, ',') AS "to"
          FROM unnest(${servers}::uuid[], ${recipients}::text[]) WITH ORDINALITY AS t(server, recipients, i))
        INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount",
          subject, text, "messageIdHeader", "giveUpAt", "updatedAt")
        SELECT id, 'APPLICATION'::"MessageKind", server, ${FROM.name}, ${FROM.address}, "to", '{}'::text[], '{}'::text[], cardinality("to"),
          'Bericht ' || i, 'Inhoud ' || i, '<' || id || '@klant.example>',
          clock_timestamp() + make_interval(secs => ${DELIVERY_GIVE_UP_MS / 1000}), clock_timestamp()
        FROM numbered ORDER BY i
        RETURNING id, "serverId", seq`;
      rows.sort((a, b) => (a.seq < b.seq ? -1 : 1));
      for (const serverId of new Set(rows.map((row) => row.serverId))) await announceReady(boss, serverId, tx);
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
  return Date.now();
}

type DatabaseSample = { connections: number; allDatabases: number; lockWaits: number; events: string[] };

/**
 * Samples pg_stat_activity every 250 ms: connections to the bench database, to the whole server
 * (other databases share its max_connections), and backends of the bench database waiting on a
 * heavyweight lock, by wait event (advisory: the claim's per-server lock; tuple/transactionid:
 * row locks, such as the lease's row or pg-boss's job rows); and the transactions the bench
 * database committed meanwhile (pg_stat_database, flushed about once a second).
 */
async function databaseSampler(prisma: Db) {
  const transactions = async () => {
    const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`;
    return Number(row!.n);
  };
  const firstTransactions = await transactions();
  const samples: DatabaseSample[] = [];
  const sampler = sampleEvery(250, async () => {
    const rows = await prisma.$queryRaw<{ mine: boolean; wait: string | null; event: string | null }[]>`
      SELECT datname = current_database() AS mine, wait_event_type AS wait, wait_event AS event FROM pg_stat_activity WHERE backend_type = 'client backend'`;
    const lockWaits = rows.filter((r) => r.mine && r.wait === "Lock");
    samples.push({
      connections: rows.filter((r) => r.mine).length,
      allDatabases: rows.length,
      lockWaits: lockWaits.length,
      events: lockWaits.map((r) => r.event ?? "?"),
    });
  });
  return {
    async stop() {
      await sampler.stop();
      await sleep(1_000);
      const committed = (await transactions()) - firstTransactions;
      const byEvent: Record<string, number> = {};
      for (const event of samples.flatMap((s) => s.events)) byEvent[event] = (byEvent[event] ?? 0) + 1;
      return {
        transactions: committed,
        samples: samples.length,
        peakConnections: Math.max(0, ...samples.map((s) => s.connections)),
        peakConnectionsAllDatabases: Math.max(0, ...samples.map((s) => s.allDatabases)),
        samplesWithLockWaits: samples.filter((s) => s.lockWaits > 0).length,
        peakLockWaits: Math.max(0, ...samples.map((s) => s.lockWaits)),
        /** Backends seen waiting, summed over the samples, per wait event. */
        lockWaitsByEvent: byEvent,
      };
    },
  };
}

export type ScaleServerFigures = {
  server: number;
  maxConnections: number;
  limits: string[];
  messages: number;
  violations: number;
  /** Per limit, the fullest window the sink saw. */
  fullest: number[];
  /** How far before the server had room its earliest receive came (0: none came early). */
  earliestMs: number;
  /**
   * How far the engine's recorded end of a hand-over (DeliveryAttempt.finishedAt, which its
   * windows count from) lay before the sink received that message, at worst; 0 when never.
   */
  recordedEarlyMs: number;
  /** Receives after a later-submitted message of the server had arrived. */
  outOfOrder: number;
  /** The same, counting only overtakes by messages submitted maxConnections or more places later. */
  overtakes: number;
  lost: number;
  duplicates: number;
  starvationSeconds: number;
  firstReceiveSeconds: number;
  idealFinishSeconds: number;
  finishSeconds: number;
};

export type ScaleRun = {
  workers: number;
  /** The machine's load average over 1, 5 and 15 minutes when the run started (other work shares the cores). */
  loadAverage: number[];
  /** All 20,000 messages ÷ the time from submission to the last receive. */
  messagesPerSecond: number;
  /** The servers without limits only: their messages ÷ the time until the last of them arrived. */
  unlimitedMessagesPerSecond: number;
  finishSeconds: number;
  /** The limited server that an ideal scheduler (per server: FIFO, exact windows, no send time) finishes last. */
  idealFinishSeconds: number;
  violations: number;
  maxViolationsPerServer: number;
  /** The worst earliestMs and recordedEarlyMs over all servers. */
  earliestMs: number;
  recordedEarlyMs: number;
  /** The median time from the sink's receive to the engine's recorded end of the same hand-over. */
  recordedLagP50Ms: number;
  /**
   * Out-of-order receives of the servers with one connection, where arrival order is the
   * engine's promise. With several connections messages are started in order, one per lane, but
   * a lane that stalls (its "." held for the previous record) can be overtaken by any number of
   * messages on the other lanes: those are reported as overtakesWithSeveralConnections.
   */
  orderViolations: number;
  overtakesWithSeveralConnections: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  /** The longest wait with room in every window and mail waiting, over all servers (see waitsWithRoom). */
  maxStarvationSeconds: number;
  starvedServer: number;
  /** Connections before the workers started: the runner's own pools. */
  connectionsBeforeWorkers: number;
  database: Awaited<ReturnType<Awaited<ReturnType<typeof databaseSampler>>["stop"]>>;
  servers: ScaleServerFigures[];
};

export type ScaleResult = {
  servers: number;
  messages: number;
  recipients: number;
  oneWorker: ScaleRun;
  fourWorkers: ScaleRun;
  /** fourWorkers.messagesPerSecond ÷ oneWorker.messagesPerSecond (no target: two cores, and the limits set the pace). */
  throughputRatio4vs1: number;
  unlimitedThroughputRatio4vs1: number;
};

async function connectionsNow(prisma: Db): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()`;
  return Number(row!.n);
}

/** Fresh servers, the mix submitted at one moment, drained by `workers` processes until everything is SENT; then the sink's view per server. */
async function scaleRun(ctx: BenchContext, boss: PgBoss, sink: Sink, workers: number, order: readonly number[], counts: readonly number[]): Promise<ScaleRun> {
  const { prisma } = ctx;
  const servers = [];
  for (const [s, plan] of PLAN.entries()) {
    servers.push(
      await benchServer(prisma, {
        name: `Bench scale ${workers}w ${String(s + 1).padStart(2, "0")}`,
        port: sink.port,
        maxConnections: plan.maxConnections,
        limits: plan.limits,
      }),
    );
  }
  const ids = servers.map((s) => s.id);
  await sink.reset();
  const connectionsBeforeWorkers = await connectionsNow(prisma);
  const loadAverage = loadavg().map((l) => round(l, 2));
  const processes = Array.from({ length: workers }, (_, n) => startWorker(ctx.env, logPath(ctx, `scale-${workers}w-worker-${n + 1}.log`)));
  try {
    await Promise.all(processes.map((w) => w.started));
    const sampler = await databaseSampler(prisma);
    let database: ScaleRun["database"];
    let submittedAt: number;
    try {
      ctx.log(`  ${workers} worker(s) up; submitting ${SCALE_MESSAGES.toLocaleString("en")} messages to ${PLAN.length} servers…`);
      const started = Date.now();
      submittedAt = await submitMix(prisma, boss, ids, order, counts);
      ctx.log(`  submitted in ${round((submittedAt - started) / 1000)} s; draining…`);
      await waitFor(
        "every scale message SENT",
        async () => {
          if (processes.some((w) => w.child.exitCode !== null)) throw new Error(`a worker exited; see ${processes.map((w) => w.logFile).join(", ")}`);
          const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
            SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ANY(${ids}::uuid[]) AND status = 'SENT'`;
          return Number(row!.n) >= SCALE_MESSAGES;
        },
        300_000,
        250,
      ).catch(async (error: unknown) => {
        const rows = await prisma.$queryRaw<{ status: string; n: bigint }[]>`
          SELECT status::text AS status, count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ANY(${ids}::uuid[]) GROUP BY status`;
        throw new Error(
          `${error instanceof Error ? error.message : error}; statuses ${JSON.stringify(Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])))}`,
        );
      });
    } finally {
      database = await sampler.stop();
    }
    // Anything still on its way (a duplicate would be) has time to arrive.
    await sleep(2_000);
    // The engine's own record of each hand-over's end (its clock, converted to the database's).
    const recorded = await prisma.$queryRaw<{ index: number; finished: number }[]>`
      SELECT substring(m.subject FROM 9)::int AS index, (extract(epoch FROM a."finishedAt") * 1000)::float8 AS finished
      FROM "DeliveryAttempt" a JOIN "OutboundMessage" m ON m.id = a."messageId"
      WHERE m."serverId" = ANY(${ids}::uuid[]) AND a.outcome = 'SENT'`;
    const recordedFinish = new Map(recorded.map((r) => [r.index, r.finished]));
    const receives = toReceives(await sink.report());
    const run = analyse(receives, order, counts, submittedAt, workers, connectionsBeforeWorkers, database, recordedFinish);
    await traceStarvedServer(ctx, workers, run.starvedServer, ids[run.starvedServer - 1]!, { receives, order, submittedAt });
    return { ...run, loadAverage };
  } finally {
    await Promise.all(processes.map((w) => stopChild(w.child)));
  }
}

/**
 * Where the starved server's longest wait happened, for reading after the run: each of its
 * receives (ms after submission, recipients, when it had room, how long it then waited) and the
 * engine's attempts of its messages, in bench logs' `scale-<n>w-starved-server.json`.
 */
async function traceStarvedServer(
  ctx: BenchContext,
  workers: number,
  server: number,
  serverId: string,
  run: { receives: readonly Receive[]; order: readonly number[]; submittedAt: number },
): Promise<void> {
  const s = server - 1;
  const limits = PLAN[s]!.limits.map(windowLimit);
  const own = run.receives.filter((r) => run.order[r.index] === s);
  const rel = (t: number) => (Number.isFinite(t) ? Math.round(t - run.submittedAt) : null);
  const receives = gapsWithRoom(own, limits, run.submittedAt).map((g) => ({
    index: g.index,
    at: rel(g.at),
    recipients: g.recipients,
    roomAt: rel(g.roomAt),
    headRoomAt: rel(g.headRoomAt),
    waitMs: Math.round(g.waitMs),
  }));
  const attempts = await ctx.prisma.$queryRaw<
    {
      index: number;
      number: number;
      started: number;
      finished: number | null;
      handedOver: number | null;
      outcome: string | null;
      error: string | null;
      response: string | null;
    }[]
  >`
    SELECT substring(m.subject FROM 9)::int AS index, a.number, (extract(epoch FROM a."startedAt") * 1000)::float8 AS started,
      (extract(epoch FROM a."finishedAt") * 1000)::float8 AS finished, (extract(epoch FROM a."handedOverAt") * 1000)::float8 AS "handedOver",
      a.outcome::text AS outcome, a.error, a.response
    FROM "DeliveryAttempt" a JOIN "OutboundMessage" m ON m.id = a."messageId" WHERE m."serverId" = ${serverId}::uuid ORDER BY a."startedAt", a.id`;
  const hits = await ctx.prisma.$queryRaw<{ reason: string; at: number }[]>`
    SELECT reason::text AS reason, (extract(epoch FROM at) * 1000)::float8 AS at FROM "LimitHit" WHERE "serverId" = ${serverId}::uuid ORDER BY at`;
  const trace = {
    server,
    limits: limits.map((l) => l.label),
    receives,
    attempts: attempts.map((a) => ({
      ...a,
      started: rel(a.started),
      finished: a.finished === null ? null : rel(a.finished),
      handedOver: a.handedOver === null ? null : rel(a.handedOver),
    })),
    limitHits: hits.map((h) => ({ reason: h.reason, at: rel(h.at) })),
  };
  writeFileSync(logPath(ctx, `scale-${workers}w-starved-server.json`), `${JSON.stringify(trace)}\n`);
}

/** The sink's receives split per server by subject index (each index belongs to one server), checked as throttle checks one server. */
function analyse(
  receives: readonly Receive[],
  order: readonly number[],
  counts: readonly number[],
  submittedAt: number,
  workers: number,
  connectionsBeforeWorkers: number,
  database: ScaleRun["database"],
  recordedFinish: ReadonlyMap<number, number>,
): Omit<ScaleRun, "loadAverage"> {
  // Position of each global index within its server's submission order.
  const position: number[] = [];
  const seen = PLAN.map(() => 0);
  for (const s of order) position.push(seen[s]!++);
  const perServer: Receive[][] = PLAN.map(() => []);
  const recordedEarly = PLAN.map(() => 0);
  const lags: number[] = [];
  let unexpected = 0;
  for (const r of receives) {
    const s = order[r.index];
    if (s === undefined) {
      unexpected++;
      continue;
    }
    perServer[s]!.push({ ...r, index: position[r.index]! });
    // A hand-over ends after the sink received it (the 250 follows the "."): a recorded end before the receive is a clock error.
    const finished = recordedFinish.get(r.index);
    if (finished === undefined) continue;
    lags.push(finished - r.at);
    recordedEarly[s] = Math.max(recordedEarly[s]!, r.at - finished);
  }
  const figures: ScaleServerFigures[] = PLAN.map((plan, s) => {
    const own = perServer[s]!;
    const limits = plan.limits.map(windowLimit);
    const windows = limits.map((limit) => windowViolations(own, limit));
    const ownCounts = order.flatMap((server, i) => (server === s ? [counts[i]!] : []));
    const ideal = idealSchedule(ownCounts, limits, submittedAt);
    const { lost, duplicates } = lossAndDuplicates(own, plan.messages);
    const waits = waitsWithRoom(own, limits, submittedAt);
    return {
      server: s + 1,
      maxConnections: plan.maxConnections,
      limits: limits.map((l) => l.label),
      messages: plan.messages,
      violations: windows.reduce((sum, w) => sum + w.violations, 0),
      fullest: windows.map((w) => w.fullest),
      earliestMs: waits.earliestMs,
      recordedEarlyMs: round(recordedEarly[s]!),
      outOfOrder: orderViolations(own),
      overtakes: orderViolations(own, plan.maxConnections),
      lost,
      duplicates,
      starvationSeconds: round(waits.longestWaitMs / 1000, 2),
      firstReceiveSeconds: round((Math.min(...own.map((r) => r.at)) - submittedAt) / 1000, 2),
      idealFinishSeconds: round((ideal.at(-1)! - submittedAt) / 1000),
      finishSeconds: round((Math.max(submittedAt, ...own.map((r) => r.at)) - submittedAt) / 1000),
    };
  });
  const last = Math.max(...receives.map((r) => r.at));
  const unlimited = PLAN.flatMap((plan, s) => (plan.limits.length === 0 ? [s] : []));
  const unlimitedLast = Math.max(...unlimited.flatMap((s) => perServer[s]!.map((r) => r.at)));
  const starved = figures.reduce((worst, f) => (f.starvationSeconds > worst.starvationSeconds ? f : worst), figures[0]!);
  return {
    workers,
    messagesPerSecond: round(SCALE_MESSAGES / ((last - submittedAt) / 1000)),
    unlimitedMessagesPerSecond: round(unlimited.reduce((sum, s) => sum + PLAN[s]!.messages, 0) / ((unlimitedLast - submittedAt) / 1000)),
    finishSeconds: round((last - submittedAt) / 1000),
    idealFinishSeconds: Math.max(...figures.map((f) => f.idealFinishSeconds)),
    violations: figures.reduce((sum, f) => sum + f.violations, 0),
    maxViolationsPerServer: Math.max(...figures.map((f) => f.violations)),
    earliestMs: Math.max(...figures.map((f) => f.earliestMs)),
    recordedEarlyMs: Math.max(...figures.map((f) => f.recordedEarlyMs)),
    recordedLagP50Ms: round(percentile(lags, 50)),
    orderViolations: figures.reduce((sum, f) => sum + (f.maxConnections === 1 ? f.outOfOrder : 0), 0),
    overtakesWithSeveralConnections: figures.reduce((sum, f) => sum + (f.maxConnections === 1 ? 0 : f.overtakes), 0),
    lost: figures.reduce((sum, f) => sum + f.lost, 0),
    duplicates: figures.reduce((sum, f) => sum + f.duplicates, 0),
    unexpected,
    maxStarvationSeconds: starved.starvationSeconds,
    starvedServer: starved.server,
    connectionsBeforeWorkers,
    database,
    servers: figures,
  };
}

/**
 * One worker process, then four, each against fresh servers and the same mix (fixed order and
 * recipient counts), submitted at one moment after the workers are ready.
 */
function scalePlan() {
  const order = submissionOrder(PLAN);
  const counts = recipientCounts(SCALE_MESSAGES, 19);
  return { order, counts };
}

export async function scaleBench(ctx: BenchContext, boss: PgBoss, sink: Sink): Promise<ScaleResult> {
  const { order, counts } = scalePlan();
  const oneWorker = await scaleRun(ctx, boss, sink, 1, order, counts);
  ctx.log(
    `  1 worker: ${oneWorker.messagesPerSecond} msg/s, ${oneWorker.violations} violations, longest wait with room ${oneWorker.maxStarvationSeconds} s (server ${oneWorker.starvedServer})`,
  );
  const fourWorkers = await scaleRun(ctx, boss, sink, 4, order, counts);
  return {
    servers: PLAN.length,
    messages: SCALE_MESSAGES,
    recipients: counts.reduce((a, b) => a + b, 0),
    oneWorker,
    fourWorkers,
    throughputRatio4vs1: round(fourWorkers.messagesPerSecond / oneWorker.messagesPerSecond, 3),
    unlimitedThroughputRatio4vs1: round(fourWorkers.unlimitedMessagesPerSecond / oneWorker.unlimitedMessagesPerSecond, 3),
  };
}
