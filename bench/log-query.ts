import { registerHooks } from "node:module";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { percentile, round, type BenchContext } from "./support.ts";

export const LOG_ROWS = 1_000_000;
const CALLS = 200;
const PAGES_PER_SEARCH = 4;
const DAY = 86_400_000;
const PEOPLE = 50_000;

export type LogQueryResult = {
  rows: number;
  calls: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  seedSeconds: number;
  /** p95 per kind of search, to see which filter is the expensive one. */
  byFilter: Record<string, { calls: number; p50Ms: number; p95Ms: number }>;
};

/**
 * lib/logging/data.ts is marked `server-only` (it throws outside a React Server Components
 * bundle); here it runs in plain Node, where it belongs, as it does in the Vitest suite.
 */
let hooked = false;
function allowServerOnly(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === "server-only") return { url: "data:text/javascript,export {};", format: "module", shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}

/**
 * 1,000,000 log rows of one server over the last 28 days (the default retention), seeded with
 * one INSERT … SELECT generate_series: mostly SENT, 2 % FAILED, 0.5 % RETRYING, 0.2 % DEFERRED;
 * 50,000 distinct recipients, every tenth message with a Cc.
 */
export async function seedLog(ctx: Pick<BenchContext, "prisma">): Promise<{ serverId: string; start: number; end: number }> {
  const { prisma } = ctx;
  const server = await prisma.mailServer.create({
    data: { name: "Bench logging", type: "GENERIC", host: "smtp.klant.example", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
  const template = await prisma.masterTemplate.create({
    data: {
      key: `bench-logging-${server.id}`,
      name: "Verzuimmeldingen (bench)",
      carries: "WERKGEVER",
      htmlFrame: "{{inhoud}}",
      textFrame: "{{inhoud}}",
      serverId: server.id,
    },
  });
  const end = Date.now();
  const start = end - 28 * DAY;
  await prisma.$executeRaw`
    INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount", subject, text,
      "messageIdHeader", status, "attemptCount", "lastResponseCode", "lastResponse", "lastError", "nextAttemptAt",
      "giveUpAt", "sentAt", "createdAt", "updatedAt", "templateId")
    SELECT gen_random_uuid(), 'APPLICATION'::"MessageKind", ${server.id}::uuid, 'Verzuimteam', 'verzuim@klant.example',
      ARRAY['persoon-' || (i::bigint * 7919 % ${PEOPLE}) || '@extern.example'],
      CASE WHEN i % 10 = 0 THEN ARRAY['hr-' || (i % 200) || '@klant.example'] ELSE '{}'::text[] END,
      '{}'::text[], CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END,
      'Verzuimmelding ' || i, 'Inhoud ' || i, '<bench-' || i || '@klant.example>',
      s.status::"MessageStatus",
      CASE WHEN s.status = 'SENT' THEN 1 ELSE 3 END,
      CASE WHEN s.status = 'SENT' THEN 250 WHEN s.status = 'FAILED' THEN 550 ELSE 451 END,
      CASE WHEN s.status = 'SENT' THEN '250 2.0.0 OK queued' WHEN s.status = 'FAILED' THEN '550 5.1.1 User unknown' ELSE '451 4.7.500 Server busy' END,
      CASE WHEN s.status = 'SENT' THEN NULL ELSE 'afgewezen' END,
      CASE WHEN s.status IN ('RETRYING', 'DEFERRED') THEN s.created + interval '10 minutes' END,
      s.created + interval '48 hours',
      CASE WHEN s.status = 'SENT' THEN s.created + interval '2 seconds' END,
      s.created, s.created, ${template.id}::uuid
    FROM (
      SELECT i, to_timestamp((${start}::float8 + (i::float8 / ${LOG_ROWS}) * ${end - start}::float8) / 1000) AS created,
        CASE WHEN i % 50 = 7 THEN 'FAILED' WHEN i % 200 = 13 THEN 'RETRYING' WHEN i % 500 = 17 THEN 'DEFERRED' ELSE 'SENT' END AS status
      FROM generate_series(1, ${LOG_ROWS}::int) AS i
    ) s
    ORDER BY i`;
  // The state autovacuum keeps a table in (PostgreSQL 13+ also vacuums after inserts): statistics,
  // the visibility map, and GIN pending lists merged into the indexes.
  await prisma.$executeRawUnsafe(`VACUUM (ANALYZE) "OutboundMessage"`);
  return { serverId: server.id, start, end };
}

type Search = {
  name: string;
  filters: { statuses?: MessageStatus[]; from?: Date; to?: Date; recipient?: string };
};

/** A deterministic mix of what people filter the Logging on. */
function searches(start: number): Search[] {
  let state = 12_345;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const period = (days: number) => {
    const from = start + Math.floor(random() * (28 - days)) * DAY;
    return { from: new Date(from), to: new Date(from + days * DAY) };
  };
  const person = () => `persoon-${Math.floor(random() * PEOPLE)}@extern.example`;
  const kinds: (() => Search)[] = [
    () => ({ name: "no filter", filters: {} }),
    () => ({ name: "status FAILED", filters: { statuses: ["FAILED"] } }),
    () => ({ name: "status FAILED + 7-day period", filters: { statuses: ["FAILED"], ...period(7) } }),
    () => ({ name: "status SENT + 1-day period", filters: { statuses: ["SENT"], ...period(1) } }),
    () => ({ name: "RETRYING/DEFERRED/FAILED + 3-day period", filters: { statuses: ["RETRYING", "DEFERRED", "FAILED"], ...period(3) } }),
    () => ({ name: "recipient", filters: { recipient: person() } }),
    () => ({ name: "recipient + 14-day period", filters: { recipient: person(), ...period(14) } }),
    () => ({ name: "status SENT + recipient + 7-day period", filters: { statuses: ["SENT"], recipient: person(), ...period(7) } }),
  ];
  return Array.from({ length: CALLS }, (_, i) => kinds[i % kinds.length]!());
}

/**
 * The Logging's query (listMessages, with details) under filters, following the keyset cursor
 * up to four pages per search, until 200 calls were timed.
 */
export async function logQueryBench(ctx: BenchContext): Promise<LogQueryResult> {
  allowServerOnly();
  const { listMessages } = await import("@/lib/logging/data.ts");
  const seedStarted = performance.now();
  ctx.log(`  seeding ${LOG_ROWS.toLocaleString("en")} log rows…`);
  const { serverId, start } = await seedLog(ctx);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  ctx.log(`  seeded in ${round(seedSeconds)} s; querying…`);

  const all = searches(start);
  const list = (search: Search, before?: bigint) => listMessages(ctx.prisma, { serverId, details: true, ...search.filters, before });
  // Warm-up: connections, prepared plans, the first index pages in the cache.
  for (const search of all.slice(0, 8)) await list(search);

  const timings: { name: string; ms: number }[] = [];
  for (const search of all) {
    if (timings.length >= CALLS) break;
    let cursor: bigint | undefined;
    for (let page = 0; page < PAGES_PER_SEARCH && timings.length < CALLS; page++) {
      const t = performance.now();
      const result = await list(search, cursor);
      timings.push({ name: search.name, ms: performance.now() - t });
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
  }
  const ms = timings.map((t) => t.ms);
  const byFilter: LogQueryResult["byFilter"] = {};
  for (const name of new Set(timings.map((t) => t.name))) {
    const mine = timings.filter((t) => t.name === name).map((t) => t.ms);
    byFilter[name] = { calls: mine.length, p50Ms: round(percentile(mine, 50)), p95Ms: round(percentile(mine, 95)) };
  }
  const [row] = await ctx.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid`;
  return {
    rows: Number(row!.n),
    calls: timings.length,
    p50Ms: round(percentile(ms, 50)),
    p95Ms: round(percentile(ms, 95)),
    maxMs: round(Math.max(...ms)),
    seedSeconds: round(seedSeconds),
    byFilter,
  };
}
