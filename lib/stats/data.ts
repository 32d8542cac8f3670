import { config } from "@/lib/config.ts";
import { db, type Db } from "@/lib/db/client.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { windowMs, type Limit } from "@/lib/delivery/limiter.ts";
import { STRUCTURAL_DAYS, STRUCTURAL_PERIOD_DAYS } from "./rules.ts";

/**
 * Delivery statistics per server: deferral episodes (how often limits really held mail back, and
 * for how long) and the series behind the server page's charts. The retention period's history is
 * read from an hourly rollup (DeliveryHour) of the hours that are over; the current hour (and any
 * not rolled up yet) is read from the log itself, so the page stays fast at a million log rows.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** An hour is rolled up once it is this long over: a hand-over finished just before the hour's end is recorded by then. */
const SETTLE_MS = 10 * 60_000;
const ZONE = "Europe/Amsterdam";

// ---------------------------------------------------------------------------------------------
// Deferral episodes

/**
 * A deferral episode: from the first message a limit (or the server's throttle reply) held back
 * until the last held-back message was handed over, i.e. until the queue was under the limit
 * again. One burst is one episode however many messages it deferred; a backlog that keeps the
 * limit busy for hours is one long episode.
 */
export type DeferralEpisode = {
  start: number;
  end: number;
  /** Still going: a held-back message is waiting now. */
  open: boolean;
  /** Messages held back in the episode. */
  deferred: number;
  /** Messages handed over during the episode, and how long they had waited since they were accepted. */
  handedOver: number;
  averageWaitMs: number | null;
  maxWaitMs: number | null;
};

/** Episodes that started in [from, to), oldest first. */
export async function deferralEpisodes(prisma: Db, serverId: string, from: Date, to: Date): Promise<DeferralEpisode[]> {
  // A message held back before `from` may still be waiting in it: mail gives up after 48 h.
  const lookback = new Date(from.getTime() - 2 * DAY);
  // Without JIT: the planner cannot know how short the episodes are, so it prices the waits' index
  // scan per episode at a guessed 0.5 % of the hand-overs and compiles the query (0.5–0.8 s at 1 M
  // log rows) for what runs in ~20 ms (docs/benchmarks.md, the chart query). SET LOCAL ends with it.
  const [, rows] = await prisma.$transaction(
    [
      prisma.$executeRaw`SET LOCAL jit = off`,
      prisma.$queryRaw<
        { start: Date; end: Date; open: boolean; deferred: number; handedOver: number; averageWaitMs: number | null; maxWaitMs: number | null }[]
      >`
    WITH held AS (
      SELECT "deferredSince" AS s, "createdAt" AS c, seq,
        coalesce("sentAt", CASE WHEN status IN ('FAILED', 'CANCELLED') THEN "updatedAt" END, ${to}::timestamptz) AS e,
        "sentAt" IS NULL AND status NOT IN ('FAILED', 'CANCELLED') AS waiting
      FROM "OutboundMessage"
      WHERE "serverId" = ${serverId}::uuid AND "deferredSince" >= ${lookback} AND "deferredSince" < ${to}
    ), ordered AS (
      SELECT s, c, seq, e, waiting, max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM held
    ), grouped AS (
      -- A held-back message that was already queued when the previous one went belongs to the same
      -- backlog: the queue never got under the limit in between. Only mail accepted later starts anew.
      SELECT s, seq, e, waiting, sum(CASE WHEN before IS NULL OR c > before THEN 1 ELSE 0 END) OVER (ORDER BY s, e) AS episode FROM ordered
    ), episodes AS (
      SELECT min(s) AS start, max(e) AS "end", bool_or(waiting) AS open, count(*)::int AS deferred, min(seq) AS "firstSeq"
      FROM grouped GROUP BY episode
    )
    SELECT ep.start, ep."end", ep.open, ep.deferred, w."handedOver", w."averageWaitMs", w."maxWaitMs"
    FROM episodes ep
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS "handedOver",
        avg(extract(epoch FROM m."sentAt" - m."createdAt") * 1000)::float AS "averageWaitMs",
        max(extract(epoch FROM m."sentAt" - m."createdAt") * 1000)::float AS "maxWaitMs"
      FROM "OutboundMessage" m
      -- The mail that waited: the first held-back message and everything queued behind it (FIFO),
      -- handed over during the episode: found on the (serverId, sentAt) index, just those rows.
      WHERE m."serverId" = ${serverId}::uuid AND m."sentAt" >= ep.start AND m."sentAt" <= ep."end" AND m.seq >= ep."firstSeq"
    ) w
    WHERE ep.start >= ${from}
    ORDER BY ep.start`,
    ],
    // Prisma's default 5 s would turn a slow first read (cold cache, 1 M log rows) into an error page.
    { timeout: 30_000 },
  );
  return rows.map((r) => ({
    start: r.start.getTime(),
    end: r.end.getTime(),
    open: r.open,
    deferred: r.deferred,
    handedOver: r.handedOver,
    averageWaitMs: r.averageWaitMs,
    maxWaitMs: r.maxWaitMs,
  }));
}

/**
 * Made once: constructing an Intl.DateTimeFormat costs ~0.2 ms (time zone data), and the charts
 * ask for the day of every hour and episode of the retention period (~1,500 calls: 0.3 s).
 */
const DAY_FORMAT = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

/** The calendar day in Dutch time, "2026-12-01". */
export function dayKey(time: number): string {
  return DAY_FORMAT.format(new Date(time));
}

/** The week's limit statistics for the server page's sentence and warning. */
export function weekSummary(episodes: DeferralEpisode[]) {
  const waits = episodes.filter((e) => e.handedOver > 0 && e.averageWaitMs !== null);
  const handedOver = waits.reduce((sum, e) => sum + e.handedOver, 0);
  const averageWaitMs = handedOver === 0 ? null : waits.reduce((sum, e) => sum + e.averageWaitMs! * e.handedOver, 0) / handedOver;
  const days = new Set(episodes.map((e) => dayKey(e.start))).size;
  return { episodes: episodes.length, averageWaitMs, days, structural: days >= STRUCTURAL_DAYS };
}

export async function weekOfEpisodes(prisma: Db, serverId: string, now = new Date()) {
  const episodes = await deferralEpisodes(prisma, serverId, new Date(now.getTime() - STRUCTURAL_PERIOD_DAYS * DAY), now);
  return weekSummary(episodes);
}

// ---------------------------------------------------------------------------------------------
// The hourly rollup

type HourRow = {
  hour: Date;
  accepted: number;
  handedOver: number;
  recipients: number;
  ended: number;
  failed: number;
  waitSumMs: bigint | number;
  waitMaxMs: number;
};

/** One row per hour in [from, to) (whole hours), computed from the log. */
function hoursFromLog(serverId: string, from: Date, to: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT h.hour, coalesce(a.accepted, 0)::int AS accepted, coalesce(o."handedOver", 0)::int AS "handedOver",
      coalesce(o.recipients, 0)::int AS recipients, coalesce(o.ended, 0)::int AS ended, coalesce(o.failed, 0)::int AS failed,
      coalesce(o."waitSumMs", 0)::bigint AS "waitSumMs", coalesce(o."waitMaxMs", 0)::int AS "waitMaxMs"
    FROM generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 hour', interval '1 hour') AS h(hour)
    LEFT JOIN (
      SELECT date_trunc('hour', "createdAt", 'UTC') AS hour, count(*) AS accepted
      FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid AND "createdAt" >= ${from} AND "createdAt" < ${to}
      GROUP BY 1
    ) a ON a.hour = h.hour
    LEFT JOIN (
      SELECT date_trunc('hour', CASE WHEN "sentAt" IS NOT NULL THEN "sentAt" ELSE "updatedAt" END, 'UTC') AS hour,
        count(*) FILTER (WHERE "sentAt" IS NOT NULL) AS "handedOver",
        sum("recipientCount") FILTER (WHERE "sentAt" IS NOT NULL) AS recipients,
        count(*) FILTER (WHERE "sentAt" IS NULL) AS ended,
        count(*) FILTER (WHERE status = 'FAILED') AS failed,
        sum(extract(epoch FROM "sentAt" - "createdAt") * 1000) AS "waitSumMs",
        max(extract(epoch FROM "sentAt" - "createdAt") * 1000) AS "waitMaxMs"
      FROM "OutboundMessage"
      -- The hand-over (sentAt) and the failure are written in a message's last change, so
      -- updatedAt finds them on the index; the margin covers a clock that read sentAt a little early.
      WHERE "serverId" = ${serverId}::uuid AND "updatedAt" >= ${from}::timestamptz - interval '10 minutes'
        AND ((status IN ('SENT', 'PARTIALLY_SENT') AND "sentAt" >= ${from} AND "sentAt" < ${to})
          OR (status IN ('FAILED', 'CANCELLED') AND "sentAt" IS NULL AND "updatedAt" >= ${from} AND "updatedAt" < ${to}))
      GROUP BY 1
    ) o ON o.hour = h.hour`;
}

const floorHour = (time: number) => Math.floor(time / HOUR) * HOUR;

/**
 * Rolls up the hours of one server that are over and not rolled up yet (idempotent: two at once
 * write the same rows), and forgets hours past the retention. Returns until when hours are rolled up.
 */
export async function rollUpServer(prisma: Db, serverId: string, now: Date, retentionDays = config().LOG_RETENTION_DAYS): Promise<number> {
  const horizon = floorHour(now.getTime() - retentionDays * DAY);
  const settled = floorHour(now.getTime() - SETTLE_MS);
  const [last] = await prisma.$queryRaw<{ hour: Date | null }[]>`SELECT max(hour) AS hour FROM "DeliveryHour" WHERE "serverId" = ${serverId}::uuid`;
  const from = Math.max(horizon, last?.hour ? last.hour.getTime() + HOUR : horizon);
  if (from < settled) {
    await prisma.$executeRaw`
      INSERT INTO "DeliveryHour" ("serverId", hour, accepted, "handedOver", recipients, ended, failed, "waitSumMs", "waitMaxMs")
      SELECT ${serverId}::uuid, hour, accepted, "handedOver", recipients, ended, failed, "waitSumMs", "waitMaxMs"
      FROM (${hoursFromLog(serverId, new Date(from), new Date(settled))}) rows
      ON CONFLICT ("serverId", hour) DO UPDATE SET accepted = EXCLUDED.accepted, "handedOver" = EXCLUDED."handedOver",
        recipients = EXCLUDED.recipients, ended = EXCLUDED.ended, failed = EXCLUDED.failed,
        "waitSumMs" = EXCLUDED."waitSumMs", "waitMaxMs" = EXCLUDED."waitMaxMs"`;
    await prisma.$executeRaw`DELETE FROM "DeliveryHour" WHERE "serverId" = ${serverId}::uuid AND hour < ${new Date(horizon - DAY)}`;
  }
  return Math.max(from, settled);
}

/** For the worker's hourly maintenance: every server's finished hours, so a page rarely has to. */
export async function rollUpAllServers(prisma: Db, now = new Date()): Promise<number> {
  const servers = await prisma.mailServer.findMany({ select: { id: true } });
  for (const server of servers) await rollUpServer(prisma, server.id, now);
  return servers.length;
}

// ---------------------------------------------------------------------------------------------
// The charts

export type ChartLimit = Pick<Limit, "count" | "window" | "windowSize" | "unit"> & { windowMs: number };

export type HourPoint = {
  /** Start of the hour (ms). */
  at: number;
  handedOver: number;
  recipients: number;
  failed: number;
  /** Messages waiting at the end of the hour (or now, for the current hour). */
  queue: number;
  averageWaitMinutes: number | null;
  maxWaitMinutes: number | null;
  /** A deferral episode overlapped this hour. */
  deferred: boolean;
};

export type DayPoint = {
  /** "2026-12-01", a Dutch calendar day. */
  day: string;
  handedOver: number;
  recipients: number;
  failed: number;
  episodes: number;
  pauses: number;
  averageWaitMinutes: number | null;
};

export type ServerCharts = {
  now: number;
  retentionDays: number;
  limits: ChartLimit[];
  hours: HourPoint[];
  days: DayPoint[];
  episodes: DeferralEpisode[];
  pauses: { at: number; reason: string }[];
  pausedNow: boolean;
};

/** Hours of the hourly charts. */
export const CHART_HOURS = 48;

const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 6_000) / 10);

/** Everything the server page's charts show, over the retention period, from the rollup and the current hour's log. */
export async function serverCharts(
  prisma: Db,
  serverId: string,
  { now = new Date(), retentionDays = config().LOG_RETENTION_DAYS }: { now?: Date; retentionDays?: number } = {},
): Promise<ServerCharts> {
  const rolledUntil = await rollUpServer(prisma, serverId, now, retentionDays);
  const horizon = floorHour(now.getTime() - retentionDays * DAY);
  const tailEnd = floorHour(now.getTime()) + HOUR;
  const [server, rolled, tail, queueRows, episodes, pauses] = await Promise.all([
    prisma.mailServer.findUniqueOrThrow({ where: { id: serverId }, select: { pausedAt: true, limits: true } }),
    prisma.$queryRaw<HourRow[]>`
      SELECT hour, accepted, "handedOver", recipients, ended, failed, "waitSumMs", "waitMaxMs"
      FROM "DeliveryHour" WHERE "serverId" = ${serverId}::uuid AND hour >= ${new Date(horizon)} AND hour < ${new Date(rolledUntil)} ORDER BY hour`,
    rolledUntil < tailEnd
      ? prisma.$queryRaw<HourRow[]>`${hoursFromLog(serverId, new Date(rolledUntil), new Date(tailEnd))} ORDER BY h.hour`
      : Promise.resolve([] as HourRow[]),
    prisma.$queryRaw<{ waiting: number }[]>`
      SELECT count(*)::int AS waiting FROM "OutboundMessage"
      WHERE "serverId" = ${serverId}::uuid AND status IN ('QUEUED', 'DEFERRED', 'RETRYING', 'SENDING')`,
    deferralEpisodes(prisma, serverId, new Date(horizon), now),
    prisma.limitHit.findMany({
      where: { serverId, reason: PAUSED, at: { gte: new Date(horizon) } },
      select: { at: true },
      orderBy: { at: "asc" },
    }),
  ]);
  const byHour = new Map<number, HourRow>();
  for (const row of [...rolled, ...tail]) byHour.set(row.hour.getTime(), row);

  // The queue at the end of each hour, walking back from now: what was accepted in an hour
  // added to it, what was handed over, failed or cancelled took from it.
  const queueAfter = new Map<number, number>();
  let queue = queueRows[0]!.waiting;
  for (let hour = tailEnd - HOUR; hour >= horizon; hour -= HOUR) {
    queueAfter.set(hour, Math.max(0, queue));
    const row = byHour.get(hour);
    if (row) queue -= row.accepted - row.handedOver - row.ended;
  }

  const overlaps = (start: number, end: number) => episodes.some((e) => e.start < end && e.end >= start);
  const hours: HourPoint[] = [];
  for (let hour = tailEnd - CHART_HOURS * HOUR; hour < tailEnd; hour += HOUR) {
    const row = byHour.get(hour);
    const handedOver = row?.handedOver ?? 0;
    hours.push({
      at: hour,
      handedOver,
      recipients: row?.recipients ?? 0,
      failed: row?.failed ?? 0,
      queue: queueAfter.get(hour) ?? 0,
      averageWaitMinutes: handedOver ? minutes(Number(row!.waitSumMs) / handedOver) : null,
      maxWaitMinutes: handedOver ? minutes(row!.waitMaxMs) : null,
      deferred: overlaps(hour, hour + HOUR),
    });
  }

  const days = new Map<string, DayPoint & { waitSumMs: number }>();
  const dayOf = (key: string) => {
    let point = days.get(key);
    if (!point) {
      point = { day: key, handedOver: 0, recipients: 0, failed: 0, episodes: 0, pauses: 0, averageWaitMinutes: null, waitSumMs: 0 };
      days.set(key, point);
    }
    return point;
  };
  for (let hour = horizon; hour < tailEnd; hour += HOUR) {
    const point = dayOf(dayKey(hour));
    const row = byHour.get(hour);
    if (!row) continue;
    point.handedOver += row.handedOver;
    point.recipients += row.recipients;
    point.failed += row.failed;
    point.waitSumMs += Number(row.waitSumMs);
  }
  for (const episode of episodes) dayOf(dayKey(episode.start)).episodes++;
  for (const pause of pauses) dayOf(dayKey(pause.at.getTime())).pauses++;

  return {
    now: now.getTime(),
    retentionDays,
    limits: server.limits.map((l) => ({ count: l.count, window: l.window, windowSize: l.windowSize, unit: l.unit, windowMs: windowMs(l) })),
    hours,
    days: [...days.values()]
      .sort((a, b) => a.day.localeCompare(b.day))
      .map(({ waitSumMs, ...point }) => ({ ...point, averageWaitMinutes: point.handedOver ? minutes(waitSumMs / point.handedOver) : null })),
    episodes,
    pauses: pauses.map((p) => ({ at: p.at.getTime(), reason: PAUSED })),
    pausedNow: server.pausedAt !== null,
  };
}

/** LimitHit.reason of a pause (an authentication or configuration fault stopped delivery). */
export const PAUSED = "PAUSED";

/** Hand-overs per hour of the last day, for the sparkline on Mailserver beheer (one query for all servers). */
export async function serverSparklines(prisma: Db, serverIds: string[], now = new Date()): Promise<Record<string, number[]>> {
  const end = floorHour(now.getTime()) + HOUR;
  const start = end - 24 * HOUR;
  const result: Record<string, number[]> = {};
  for (const id of serverIds) result[id] = Array.from({ length: 24 }, () => 0);
  if (serverIds.length === 0) return result;
  const rows = await prisma.$queryRaw<{ serverId: string; hour: Date; handedOver: number }[]>`
    SELECT m."serverId", date_trunc('hour', m."sentAt", 'UTC') AS hour, count(*)::int AS "handedOver"
    FROM unnest(${serverIds}::uuid[]) AS s(id)
    JOIN "OutboundMessage" m ON m."serverId" = s.id AND m."updatedAt" >= ${new Date(start)}::timestamptz - interval '10 minutes'
      AND m."sentAt" >= ${new Date(start)} AND m."sentAt" < ${new Date(end)}
    GROUP BY 1, 2`;
  for (const row of rows) {
    const index = Math.floor((row.hour.getTime() - start) / HOUR);
    if (index >= 0 && index < 24) result[row.serverId]![index] = row.handedOver;
  }
  return result;
}

// Reads for pages, on this process's client.

export function loadServerCharts(serverId: string) {
  return serverCharts(db(), serverId);
}

export function loadServerSparklines(serverIds: string[]) {
  return serverSparklines(db(), serverIds);
}
