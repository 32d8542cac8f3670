import type { Actor } from "@/lib/audit/record.ts";
import { recordAudit } from "@/lib/audit/record.ts";
import type { Db, Tx } from "@/lib/db/client.ts";
import type { LimitUnit, LimitWindow } from "@/lib/mailservers/presets.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { windowMs, type Limit } from "./limiter.ts";

/**
 * Limits that learn. Our configured limits always hold, so when a server still answers "slow
 * down", its real ceiling is lower than what we were told: we record how much it had accepted in
 * the window before it throttled, and the server page suggests that as the limit
 * ("waargenomen plafond ≈ 27 per minuut").
 *
 * One throttle can be an accident of timing (a provider's fixed window, a burst from another
 * client on the same mailbox), so the suggestion is the median of the recent observations, not
 * the last or the lowest one.
 */

/** Observations older than this no longer say much about the server's current ceiling. */
export const OBSERVATION_DAYS = 7;

type Window = { window: LimitWindow; windowSize: number; unit: LimitUnit };
type Candidate = Window & { configured: number | null };

/**
 * Which windows a throttle reply speaks about: the window the reply names (a daily quota, a
 * per-second rate) when the catalogue knows it, else every configured limit, else a minute.
 */
export function windowsToObserve(limits: readonly Limit[], hint?: { window: LimitWindow; unit?: LimitUnit }): Candidate[] {
  const configured = limits.map((l) => ({ window: l.window, windowSize: l.windowSize ?? 1, unit: l.unit, configured: l.count }));
  if (hint) {
    const matching = configured.filter((c) => c.window === hint.window && c.windowSize === 1 && (!hint.unit || c.unit === hint.unit));
    return matching.length ? matching : [{ window: hint.window, windowSize: 1, unit: hint.unit ?? "MESSAGES", configured: null }];
  }
  return configured.length ? configured : [{ window: "MINUTE", windowSize: 1, unit: "MESSAGES", configured: null }];
}

/**
 * Called in the transaction that records a throttle reply, after the refused transaction was
 * taken out of the hand-over log: what remains in each window is what the server accepted.
 */
export async function recordObservedCeiling(
  tx: Tx,
  server: { id: string; limits: readonly Limit[] },
  throttle: { at: Date; reply: string; hint?: { window: LimitWindow; unit?: LimitUnit } },
): Promise<void> {
  for (const candidate of windowsToObserve(server.limits, throttle.hint)) {
    const since = new Date(throttle.at.getTime() - windowMs(candidate));
    // Servers with limits have a hand-over log; for the others the sent messages are the record.
    const [row] = server.limits.length
      ? await tx.$queryRaw<{ transactions: number; recipients: number }[]>`
          SELECT count(*)::int AS transactions, coalesce(sum(recipients), 0)::int AS recipients
          FROM "ServerHandoff" WHERE "serverId" = ${server.id}::uuid AND "countsUntil" > ${since} AND "countsUntil" <= ${throttle.at}`
      : await tx.$queryRaw<{ transactions: number; recipients: number }[]>`
          SELECT count(*)::int AS transactions, coalesce(sum("recipientCount"), 0)::int AS recipients
          FROM "OutboundMessage" WHERE "serverId" = ${server.id}::uuid AND status = 'SENT' AND "sentAt" > ${since} AND "sentAt" <= ${throttle.at}`;
    const observed = candidate.unit === "MESSAGES" ? row!.transactions : row!.recipients;
    // Nothing accepted says nothing about a ceiling (the server's own window had not reset yet);
    // at or above our limit the server did not throttle below it.
    if (observed === 0 || (candidate.configured !== null && observed >= candidate.configured)) continue;
    await tx.limitObservation.create({
      data: {
        serverId: server.id,
        at: throttle.at,
        window: candidate.window,
        windowSize: candidate.windowSize,
        unit: candidate.unit,
        observed,
        configured: candidate.configured,
        reply: throttle.reply.slice(0, 500),
      },
    });
  }
}

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

const keyOf = (w: Window) => `${w.window}:${w.windowSize}:${w.unit}`;

/** Open suggestions for a server, one per window, for the server page. */
export async function limitSuggestions(prisma: Db | Tx, serverId: string, now = new Date()): Promise<LimitSuggestion[]> {
  const rows = await prisma.limitObservation.findMany({
    where: { serverId, resolvedAt: null, at: { gt: new Date(now.getTime() - OBSERVATION_DAYS * 86_400_000) } },
    orderBy: { at: "desc" },
    take: 500,
  });
  const limits = await prisma.sendingLimit.findMany({ where: { serverId } });
  const groups = new Map<string, typeof rows>();
  for (const row of rows) if (!row.perMessage) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row]);
  const suggestions: LimitSuggestion[] = [];
  for (const group of groups.values()) {
    const latest = group[0]!;
    // One burst, or one window's worth of replies, is not a ceiling (SUGGESTION_WINDOWS).
    if (distinctWindows(group.map((g) => g.at.getTime()), windowMs(latest)) < SUGGESTION_WINDOWS) continue;
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
 * "Limiet overnemen": sets (or adds) the limit for the suggestion's window to the observed
 * ceiling. The count comes from the stored observations, never from the form.
 */
export async function applyLimitSuggestion(prisma: Db, actor: Actor, input: { serverId: string } & Window) {
  return prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.findUnique({ where: { id: input.serverId }, select: { id: true, name: true } });
    if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
    const suggestion = (await limitSuggestions(tx, server.id)).find((s) => keyOf(s) === keyOf(input));
    if (!suggestion) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    const where = { serverId: server.id, window: input.window, windowSize: input.windowSize, unit: input.unit };
    await tx.sendingLimit.upsert({ where: { serverId_window_windowSize_unit: where }, update: { count: suggestion.observed }, create: { ...where, count: suggestion.observed } });
    await tx.limitObservation.updateMany({ where: { ...where, resolvedAt: null }, data: { resolvedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "mailserver.limit.learned",
      entityType: "MailServer",
      entityId: server.id,
      summary: `Limiet van ${server.name} verlaagd naar het waargenomen plafond: ${suggestion.observed} per ${input.windowSize > 1 ? `${input.windowSize}×` : ""}${input.window} (${input.unit})`,
      before: suggestion.configured === null ? null : { count: suggestion.configured },
      after: { ...where, count: suggestion.observed, observations: suggestion.observations },
    });
    return { server, count: suggestion.observed };
  });
}

/** "Negeren": the administrator knows better (e.g. a one-off burst from another client). */
export async function dismissLimitSuggestion(prisma: Db, actor: Actor, input: { serverId: string } & Window) {
  return prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.findUnique({ where: { id: input.serverId }, select: { id: true, name: true } });
    if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
    const { count } = await tx.limitObservation.updateMany({
      where: { serverId: server.id, window: input.window, windowSize: input.windowSize, unit: input.unit, resolvedAt: null },
      data: { resolvedAt: new Date() },
    });
    if (count === 0) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    await recordAudit(tx, {
      actor,
      action: "mailserver.limit.dismissed",
      entityType: "MailServer",
      entityId: server.id,
      summary: `Voorgestelde limiet voor ${server.name} genegeerd`,
      after: { window: input.window, windowSize: input.windowSize, unit: input.unit, observations: count },
    });
    return server;
  });
}

/**
 * A server that answered `452 4.5.3 too many recipients` after taking `observed` recipients of a
 * transaction has a per-message cap: kept as an observation unless our cap is already that low.
 */
export async function recordObservedRecipientCap(
  tx: Tx,
  server: { id: string; maxRecipientsPerMessage: number | null },
  observation: { at: Date; observed: number; reply: string },
): Promise<void> {
  if (observation.observed <= 0) return;
  if (server.maxRecipientsPerMessage !== null && server.maxRecipientsPerMessage <= observation.observed) return;
  await tx.limitObservation.create({
    data: {
      serverId: server.id,
      at: observation.at,
      window: "MINUTE",
      unit: "RECIPIENTS",
      perMessage: true,
      observed: observation.observed,
      configured: server.maxRecipientsPerMessage,
      reply: observation.reply.slice(0, 500),
    },
  });
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
