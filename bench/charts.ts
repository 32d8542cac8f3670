import { Client } from "pg";
import { seedLog, LOG_ROWS } from "./log-query.ts";
import { percentile, round, sampleEvery, type BenchContext } from "./support.ts";

const CALLS = 100;

export type ChartQueryResult = {
  rows: number;
  calls: number;
  /** The first read after the seed rolls up 28 days of hours from the log (once; the worker does it hourly after that). */
  firstRollupMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  seedSeconds: number;
  /** PostgreSQL's autovacuum while the calls were timed (sampled every 100 ms): other work on the same two cores. */
  autovacuum: AutovacuumSample;
};

type AutovacuumSample = { samples: number; samplesWithWorker: number; tables: string[] };

/** Samples pg_stat_activity for autovacuum workers (any database) on its own connection until stopped. */
async function autovacuumSampler(databaseUrl: string): Promise<{ stop(): Promise<AutovacuumSample> }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const result: AutovacuumSample = { samples: 0, samplesWithWorker: 0, tables: [] };
  const sampler = sampleEvery(100, async () => {
    const { rows } = await client.query<{ query: string }>(`SELECT query FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`);
    result.samples++;
    if (rows.length) result.samplesWithWorker++;
    for (const { query } of rows) if (!result.tables.includes(query)) result.tables.push(query);
  });
  return {
    async stop() {
      await sampler.stop();
      await client.end();
      return result;
    },
  };
}

/**
 * The server page's chart query (lib/stats/data.ts serverCharts: rollup catch-up, 28 days of
 * hours, the current hour from the log, the queue, deferral episodes, pauses) at 1,000,000 log
 * rows of one server over 28 days, with a limit and a deferral episode every day.
 */
export async function chartQueryBench(ctx: BenchContext): Promise<ChartQueryResult> {
  const { serverCharts } = await import("@/lib/stats/data.ts");
  const seedStarted = performance.now();
  ctx.log(`  seeding ${LOG_ROWS.toLocaleString("en")} log rows…`);
  const { serverId } = await seedLog(ctx);
  await ctx.prisma.sendingLimit.create({ data: { serverId, count: 30, window: "MINUTE", unit: "MESSAGES" } });
  // A held-back stretch of mail every day (every 500th message of a daily hour), as the limiter leaves it.
  await ctx.prisma.$executeRaw`
    UPDATE "OutboundMessage" SET "deferredSince" = "createdAt", "deferredReason" = '30/1/MINUTE/MESSAGES'
    WHERE "serverId" = ${serverId}::uuid AND status = 'SENT' AND extract(hour FROM "createdAt") = 9 AND seq % 50 = 0`;
  await ctx.prisma.$executeRawUnsafe(`VACUUM (ANALYZE) "OutboundMessage"`);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  ctx.log(`  seeded in ${round(seedSeconds)} s; querying…`);

  const now = new Date();
  const first = performance.now();
  await serverCharts(ctx.prisma, serverId, { now, retentionDays: 28 });
  const firstRollupMs = performance.now() - first;
  for (let i = 0; i < 5; i++) await serverCharts(ctx.prisma, serverId, { now, retentionDays: 28 });

  const ms: number[] = [];
  const sampler = await autovacuumSampler(ctx.databaseUrl);
  let autovacuum: AutovacuumSample;
  try {
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await serverCharts(ctx.prisma, serverId, { now: new Date(), retentionDays: 28 });
      ms.push(performance.now() - t);
    }
  } finally {
    autovacuum = await sampler.stop();
  }
  const [row] = await ctx.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid`;
  return {
    rows: Number(row!.n),
    calls: ms.length,
    firstRollupMs: round(firstRollupMs),
    p50Ms: round(percentile(ms, 50)),
    p95Ms: round(percentile(ms, 95)),
    maxMs: round(Math.max(...ms)),
    seedSeconds: round(seedSeconds),
    autovacuum,
  };
}
