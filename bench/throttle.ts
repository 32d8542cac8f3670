import type { PgBoss } from "pg-boss";
import { idealSchedule, lossAndDuplicates, orderViolations, recipientCounts, windowViolations, type WindowLimit } from "./analysis.ts";
import { toReceives } from "./delivery.ts";
import { submitInOneTransaction, recipientOf } from "./prequeue.ts";
import type { Sink } from "./sink.ts";
import { benchServer, logPath, round, sleep, startWorker, statusCounts, stopChild, waitFor, type BenchContext } from "./support.ts";

export const THROTTLE_MESSAGES = 2_000;

/** "200 per 10 seconds" and "1,500 recipients per minute", as entered in Mailserver beheer. */
const LIMITS: WindowLimit[] = [
  { count: 200, widthMs: 10_000, unit: "MESSAGES", label: "200 messages / 10 s" },
  { count: 1_500, widthMs: 60_000, unit: "RECIPIENTS", label: "1,500 recipients / min" },
];

export type ThrottleResult = {
  messages: number;
  recipients: number;
  workers: number;
  violations: number;
  /** Per limit: violations and the fullest window the sink saw. */
  windows: { limit: string; violations: number; fullest: number }[];
  orderViolations: number;
  utilization: number;
  idealFinishSeconds: number;
  measuredFinishSeconds: number;
  lost: number;
  duplicates: number;
};

/**
 * Two worker processes are started and ready; then 2,000 messages of 1–3 recipients are
 * submitted in one transaction (queueMessage, as the API does) and drained under both limits.
 */
export async function throttleBench(ctx: BenchContext, boss: PgBoss, sink: Sink): Promise<ThrottleResult> {
  const { prisma } = ctx;
  const server = await benchServer(prisma, {
    name: "Bench throttle",
    port: sink.port,
    maxConnections: 1,
    limits: [
      { count: 200, window: "SECOND", windowSize: 10, unit: "MESSAGES" },
      { count: 1_500, window: "MINUTE", unit: "RECIPIENTS" },
    ],
  });
  const counts = recipientCounts(THROTTLE_MESSAGES);
  await sink.reset();
  const workers = [1, 2].map((n) => startWorker(ctx.env, logPath(ctx, `throttle-worker-${n}.log`)));
  try {
    await Promise.all(workers.map((w) => w.started));
    ctx.log(`  two workers up; submitting ${THROTTLE_MESSAGES} messages (${counts.reduce((a, b) => a + b, 0)} recipients)…`);
    const submittedAt = await submitInOneTransaction(prisma, boss, server.id, THROTTLE_MESSAGES, (i) =>
      Array.from({ length: counts[i]! }, (_, n) => recipientOf(i, n)),
    );
    const ideal = idealSchedule(counts, LIMITS, submittedAt);
    ctx.log(`  submitted; an ideal scheduler finishes after ${round((ideal.at(-1)! - submittedAt) / 1000)} s…`);
    await waitFor(
      "every throttled message SENT",
      async () => {
        if (workers.some((w) => w.child.exitCode !== null)) throw new Error(`a worker exited; see ${workers.map((w) => w.logFile).join(", ")}`);
        const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${server.id}::uuid AND status = 'SENT'`;
        return Number(row!.n) >= THROTTLE_MESSAGES;
      },
      480_000,
      250,
    ).catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : error}; statuses ${JSON.stringify(await statusCounts(prisma, server.id))}`);
    });
    // Anything still on its way (a duplicate would be) has time to arrive.
    await sleep(2_000);
    const receives = toReceives(await sink.report());
    const windows = LIMITS.map((limit) => ({ limit: limit.label, ...windowViolations(receives, limit) }));
    const { lost, duplicates } = lossAndDuplicates(receives, THROTTLE_MESSAGES);
    const idealFinish = ideal.at(-1)! - submittedAt;
    const measuredFinish = Math.max(...receives.map((r) => r.at)) - submittedAt;
    return {
      messages: THROTTLE_MESSAGES,
      recipients: counts.reduce((a, b) => a + b, 0),
      workers: workers.length,
      violations: windows.reduce((sum, w) => sum + w.violations, 0),
      windows,
      orderViolations: orderViolations(receives),
      utilization: round(idealFinish / measuredFinish, 3),
      idealFinishSeconds: round(idealFinish / 1000),
      measuredFinishSeconds: round(measuredFinish / 1000),
      lost,
      duplicates,
    };
  } finally {
    await Promise.all(workers.map((w) => stopChild(w.child)));
  }
}
