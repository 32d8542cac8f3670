import { WINDOW_SECONDS, type LimitUnit, type LimitWindow } from "@/lib/mailservers/presets.ts";

/**
 * The sliding-window limiter, as pure functions over the hand-over log (ServerHandoff).
 *
 * Every SMTP transaction handed to a server is one log entry that counts for `countsUntil`: the
 * moment the hand-over finished (provisionally the latest it could finish). A limit of N per
 * window W holds at the receiving server if a new hand-over starts only while fewer than N units
 * have countsUntil > now − W: each receive lies before its entry's countsUntil, so any two
 * receives less than W apart are seen by whichever was claimed last.
 */
export type Limit = { count: number; window: LimitWindow; windowSize?: number; unit: LimitUnit };
export type Entry = { countsUntil: number; recipients: number };
export type Need = { transactions: number; recipients: number };

export function windowMs(limit: { window: LimitWindow; windowSize?: number }): number {
  return WINDOW_SECONDS[limit.window] * (limit.windowSize ?? 1) * 1000;
}

export function unitsOf(unit: LimitUnit, entry: { transactions?: number; recipients: number }): number {
  return unit === "MESSAGES" ? (entry.transactions ?? 1) : entry.recipients;
}

/** How many SMTP transactions a message needs under a per-message recipient cap. */
export function splitRecipients<T>(recipients: T[], cap: number | null): T[][] {
  if (!cap || recipients.length <= cap) return [recipients];
  const chunks: T[][] = [];
  for (let i = 0; i < recipients.length; i += cap) chunks.push(recipients.slice(i, i + cap));
  return chunks;
}

export type Verdict = { fits: true } | { fits: false; freeAt: number; limit: Limit; neverFits: boolean };

/**
 * A provider that counts in fixed windows (Postfix's anvil resets in whole seconds) frees its
 * window up to a second after our exact sliding window does, so a hand-over started the moment our
 * window frees can meet a throttle reply. Such a reply is a boundary effect, not a lower ceiling:
 * the hand-over would not have started had our window been this much longer.
 */
export const BOUNDARY_MARGIN_MS = 2_000;

/** The margin a server gets after a boundary reply: 2 s, doubling on each further one, at most 15 s. */
export function nextWindowMargin(currentMs: number): number {
  return Math.min(15_000, currentMs === 0 ? BOUNDARY_MARGIN_MS : currentMs * 2);
}

/**
 * Whether a throttle reply came at the edge of a full window: with every window `marginMs`
 * longer, the refused hand-over (`need`, already taken out of `entries`) would not have fitted.
 */
export function isBoundaryEffect(limits: readonly Limit[], entries: readonly Entry[], need: Need, at: number, marginMs: number): boolean {
  return limits.length > 0 && !checkLimits(limits, entries, need, at, marginMs).fits;
}

/**
 * Whether `need` fits every limit at `now`, given the entries that may still count. When it
 * does not, `freeAt` is the exact moment enough entries have left the window of the binding
 * limit (the latest such moment over all limits that are full).
 */
export function checkLimits(limits: readonly Limit[], entries: readonly Entry[], need: Need, now: number, marginMs = 0): Verdict {
  let blocked: { freeAt: number; limit: Limit; neverFits: boolean } | undefined;
  for (const limit of limits) {
    // A server that counts in fixed windows gets a margin after each window (see boundaryMarginMs).
    const width = windowMs(limit) + marginMs;
    const used = usedIn(limit, entries, now, marginMs);
    const needed = unitsOf(limit.unit, need);
    if (used + needed <= limit.count) continue;
    if (needed > limit.count) return { fits: false, freeAt: Number.POSITIVE_INFINITY, limit, neverFits: true };
    // Only a full window needs its entries in order (called per message, under the claim's lock).
    const inWindow = entries.filter((entry) => entry.countsUntil > now - width).sort((a, b) => a.countsUntil - b.countsUntil);
    let excess = used + needed - limit.count;
    let freeAt = now;
    for (const entry of inWindow) {
      excess -= unitsOf(limit.unit, entry);
      if (excess <= 0) {
        // The entry stops counting once now − W passes its countsUntil: 1 ms after countsUntil + W.
        freeAt = entry.countsUntil + width + 1;
        break;
      }
    }
    if (!blocked || freeAt > blocked.freeAt) blocked = { freeAt, limit, neverFits: false };
  }
  return blocked ? { fits: false, ...blocked } : { fits: true };
}

/** The units of `limit` the entries still use at `now`. */
function usedIn(limit: Limit, entries: readonly Entry[], now: number, marginMs: number): number {
  const width = windowMs(limit) + marginMs;
  let used = 0;
  for (const entry of entries) if (entry.countsUntil > now - width) used += unitsOf(limit.unit, entry);
  return used;
}

/**
 * How many more messages could fit at `now` at most: each takes at least one unit of every limit,
 * so no more than the smallest room left in any window (Infinity without limits).
 */
export function roomLeft(limits: readonly Limit[], entries: readonly Entry[], now: number, marginMs = 0): number {
  return Math.min(Number.POSITIVE_INFINITY, ...limits.map((limit) => limit.count - usedIn(limit, entries, now, marginMs)));
}

/** "30/MINUTE/MESSAGES": how a limit is named in the log and in LimitHit. */
export function limitLabel(limit: Limit): string {
  return `${limit.count}/${(limit.windowSize ?? 1) > 1 ? `${limit.windowSize}x` : ""}${limit.window}/${limit.unit}`;
}

/** Back from "30/MINUTE/MESSAGES" (or "200/10xSECOND/MESSAGES") to a limit, for the screens. */
export function parseLimitLabel(label: string | null | undefined): Limit | null {
  const match = /^(\d+)\/(?:(\d+)x)?(SECOND|MINUTE|HOUR|DAY)\/(MESSAGES|RECIPIENTS)$/.exec(label ?? "");
  if (!match) return null;
  return { count: Number(match[1]), windowSize: Number(match[2] ?? 1), window: match[3] as LimitWindow, unit: match[4] as LimitUnit };
}

/**
 * The longest wait between two tries of a message or server: one hour. Postfix backs off up to
 * 4,000 s and RFC 5321 §4.5.4.1 asks for retries at least 30 minutes apart, while mail to a
 * customer's own server (an absence notice, a code) loses its value within hours; one hour keeps
 * some 40 tries inside the 48-hour give-up.
 */
export const RETRY_MAX_SECONDS = 3_600;

/** Exponential backoff with ±25 % jitter, so retries of many messages do not arrive together. */
export function backoffMs(attempt: number, baseSeconds: number, maxSeconds: number, random = Math.random): number {
  const plain = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1)) * 1000;
  return Math.round(plain * (0.75 + random() * 0.5));
}
