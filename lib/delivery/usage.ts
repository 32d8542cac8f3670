import "server-only";
import type { Db } from "@/lib/db/client.ts";
import { windowMs, type Limit } from "./limiter.ts";
import { limitSuggestions } from "./observed-limits.ts";

/** Limit hits in a week from which the server page calls the volume structural (the source's warning). */
export const STRUCTURAL_HITS_PER_WEEK = 3;

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
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const [week] = await prisma.$queryRaw<{ hits: number; avgWaitSeconds: number | null }[]>`
    SELECT (SELECT count(*)::int FROM "LimitHit" WHERE "serverId" = ${serverId}::uuid AND at > ${weekAgo}) AS hits,
      (SELECT avg(extract(epoch FROM "sentAt" - "createdAt"))::float FROM "OutboundMessage"
        WHERE "serverId" = ${serverId}::uuid AND "deferredSince" IS NOT NULL AND status = 'SENT' AND "createdAt" > ${weekAgo}) AS "avgWaitSeconds"`;
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
    hitsThisWeek: week!.hits,
    averageWaitMinutes: week!.avgWaitSeconds === null ? null : Math.round(week!.avgWaitSeconds / 6) / 10,
    structural: week!.hits >= STRUCTURAL_HITS_PER_WEEK,
    suggestions: await limitSuggestions(prisma, serverId, now),
  };
}

export type ServerUsage = Awaited<ReturnType<typeof serverUsage>>;
