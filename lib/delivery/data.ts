import { db, type Db, type Tx } from "@/lib/db/client.ts";
import type { LimitUnit, LimitWindow } from "@/lib/mailservers/presets.ts";
import { isRateReply, explainReply } from "@/lib/smtp/replies.ts";
import { weekOfEpisodes } from "@/lib/stats/data.ts";
import { windowMs, type Limit } from "./limiter.ts";

/**
 * What the server page shows about throughput: per limit how much of the window is used now,
 * the queue, when the next message may go, and how often limits held mail back this week.
 */
export async function serverUsage(prisma: Db, serverId: string, now = new Date()) {
  // Only what this panel shows: the row also holds the encrypted credentials, which stay out.
  const server = await prisma.mailServer.findUniqueOrThrow({
    where: { id: serverId },
    select: { deferredUntil: true, deferredReason: true, pausedAt: true, pausedReason: true, limits: true },
  });
  const limits = await Promise.all(
    server.limits.map(async (l) => {
      const limit: Limit = { count: l.count, window: l.window, windowSize: l.windowSize, unit: l.unit };
      const since = new Date(now.getTime() - windowMs(limit));
      const [row] = await prisma.$queryRaw<{ transactions: number; recipients: number }[]>`
        SELECT count(*)::int AS transactions, coalesce(sum(recipients), 0)::int AS recipients
        FROM "ServerHandoff" WHERE "serverId" = ${serverId}::uuid AND "countsUntil" > ${since}`;
      const used = limit.unit === "MESSAGES" ? row!.transactions : row!.recipients;
      return { ...limit, used };
    }),
  );
  const [queue] = await prisma.$queryRaw<{ waiting: number; next: Date | null }[]>`
    SELECT count(*)::int AS waiting, min(coalesce("nextAttemptAt", "createdAt")) AS next
    FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid AND status IN ('QUEUED', 'DEFERRED', 'RETRYING', 'SENDING')`;
  // Counted per deferral episode, not per held-back message: one burst is one hit (lib/stats/data.ts).
  const week = await weekOfEpisodes(prisma, serverId, now);
  const deferredUntil = server.deferredUntil && server.deferredUntil > now ? server.deferredUntil : null;
  return {
    serverId,
    limits,
    waiting: queue!.waiting,
    nextAt: queue!.waiting > 0 ? (deferredUntil ?? (queue!.next && queue!.next > now ? queue!.next : now)) : null,
    deferredUntil,
    deferredReason: deferredUntil ? server.deferredReason : null,
    pausedAt: server.pausedAt,
    pausedReason: server.pausedReason,
    hitsThisWeek: week.episodes,
    averageWaitMinutes: week.averageWaitMs === null ? null : Math.round(week.averageWaitMs / 6_000) / 10,
    /** Days of the last week with a deferral episode; "structureel" from STRUCTURAL_DAYS on. */
    daysWithHits: week.days,
    structural: week.structural,
    suggestions: await limitSuggestions(prisma, serverId, now),
  };
}

export type ServerUsage = Awaited<ReturnType<typeof serverUsage>>;

// ---------------------------------------------------------------------------------------------
// Limits that learn: what the server page suggests from the engine's observations
// (lib/delivery/observed-limits.ts). One throttle can be an accident of timing (a provider's
// fixed window, a burst from another client on the same mailbox), so a suggestion is the median
// of observations in several windows, never one reply.

/** Observations older than this no longer say much about the server's current ceiling. */
export const OBSERVATION_DAYS = 7;

export type Window = { window: LimitWindow; windowSize: number; unit: LimitUnit };

export type LimitSuggestion = Window & {
  /** The suggested limit: the median of what the server accepted before it throttled. */
  observed: number;
  configured: number | null;
  observations: number;
  lastAt: Date;
  lastReply: string;
};

/**
 * A ceiling is suggested only after throttle replies in this many different windows: one reply can
 * be an accident of timing (another client on the same mailbox, a provider's fixed window), and
 * several replies in one window are one event.
 */
export const SUGGESTION_WINDOWS = 3;

/** How many observations lie at least one window apart from the previous one counted. */
export function distinctWindows(times: number[], width: number): number {
  let count = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const time of [...times].sort((a, b) => a - b)) {
    if (time - last >= width) {
      count++;
      last = time;
    }
  }
  return count;
}

function lowerMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Whether a stored throttle reply speaks about a rate (lib/smtp/replies.ts), and so about a ceiling. */
export function isRateObservation(reply: string): boolean {
  return isRateReply(explainReply({ response: reply })?.id);
}

export const keyOf = (w: Window) => `${w.window}:${w.windowSize}:${w.unit}`;

/** Open suggestions for a server, one per window, for the server page. */
export async function limitSuggestions(prisma: Db | Tx, serverId: string, now = new Date()): Promise<LimitSuggestion[]> {
  const rows = await prisma.limitObservation.findMany({
    where: { serverId, resolvedAt: null, at: { gt: new Date(now.getTime() - OBSERVATION_DAYS * 86_400_000) } },
    orderBy: { at: "desc" },
    take: 500,
  });
  const limits = await prisma.sendingLimit.findMany({ where: { serverId } });
  const groups = new Map<string, typeof rows>();
  // Only rate replies are observations (isRateReply): the engine records nothing else, and rows
  // kept from before that rule (a bare `451 4.7.0 try later` is greylisting) are left out here too.
  for (const row of rows) if (!row.perMessage && isRateObservation(row.reply)) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row]);
  const suggestions: LimitSuggestion[] = [];
  for (const group of groups.values()) {
    const latest = group[0]!;
    // One burst, or one window's worth of replies, is not a ceiling (SUGGESTION_WINDOWS).
    if (
      distinctWindows(
        group.map((g) => g.at.getTime()),
        windowMs(latest),
      ) < SUGGESTION_WINDOWS
    )
      continue;
    const current = limits.find((l) => keyOf(l) === keyOf(latest))?.count ?? null;
    const observed = lowerMedian(group.map((g) => g.observed));
    // Already lowered to (or below) the ceiling: nothing left to suggest.
    if (current !== null && current <= observed) continue;
    suggestions.push({
      window: latest.window,
      windowSize: latest.windowSize,
      unit: latest.unit,
      observed,
      configured: current,
      observations: group.length,
      lastAt: latest.at,
      lastReply: latest.reply,
    });
  }
  return suggestions;
}
/**
 * The per-message recipient cap the server showed (the largest number it took in one transaction
 * before refusing the rest: a cap is a fixed number, so one clear observation suffices), unless
 * the configured cap is already at or below it.
 */
export async function suggestRecipientCap(
  prisma: Db | Tx,
  serverId: string,
  now = new Date(),
): Promise<{ observed: number; observations: number; configured: number | null } | null> {
  const rows = await prisma.limitObservation.findMany({
    where: { serverId, perMessage: true, resolvedAt: null, at: { gt: new Date(now.getTime() - OBSERVATION_DAYS * 86_400_000) } },
    select: { observed: true },
    take: 500,
  });
  if (rows.length === 0) return null;
  const server = await prisma.mailServer.findUnique({ where: { id: serverId }, select: { maxRecipientsPerMessage: true } });
  const observed = Math.max(...rows.map((r) => r.observed));
  const configured = server?.maxRecipientsPerMessage ?? null;
  if (configured !== null && configured <= observed) return null;
  return { observed, observations: rows.length, configured };
}

// Reads for pages, on this process's client: pages never touch the database client themselves.

export function loadServerUsage(serverId: string) {
  return serverUsage(db(), serverId);
}

export function loadRecipientCapSuggestion(serverId: string) {
  return suggestRecipientCap(db(), serverId);
}
