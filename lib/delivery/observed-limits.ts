import type { Tx } from "@/lib/db/client.ts";
import type { LimitUnit, LimitWindow } from "@/lib/mailservers/presets.ts";
import { windowMs, type Limit } from "./limiter.ts";

/**
 * Limits that learn, the engine's side: our configured limits always hold, so when a server still
 * answers "slow down" with a rate reply, its real ceiling is lower than what we were told. In the
 * transaction that records the throttle we store how much it had accepted in the window before it
 * throttled; lib/delivery/data.ts turns the observations into a suggestion for the server page.
 */

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
