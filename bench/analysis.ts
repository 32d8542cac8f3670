/**
 * Pure checks over what the sink received: sliding-window violations, order, loss and
 * duplicates, and the ideal scheduler the throttle figure is compared with.
 */

export type Receive = { index: number; at: number; recipients: number };
export type WindowLimit = { count: number; widthMs: number; unit: "MESSAGES" | "RECIPIENTS"; label: string };

const unitsOf = (limit: WindowLimit, recipients: number) => (limit.unit === "MESSAGES" ? 1 : recipients);

/**
 * How many sliding windows exceed the limit, as the provider counts: for every receive, the
 * window of width W ending at it, (t − W, t]. Each receive whose window holds more than `count`
 * units is one violation. Also returns the fullest window seen.
 */
export function windowViolations(receives: readonly Receive[], limit: WindowLimit): { violations: number; fullest: number } {
  const sorted = [...receives].sort((a, b) => a.at - b.at);
  const prefix = [0];
  for (const r of sorted) prefix.push(prefix.at(-1)! + unitsOf(limit, r.recipients));
  let violations = 0;
  let fullest = 0;
  let start = 0;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i]!.at;
    // The window includes later receives at the very same millisecond.
    let end = i;
    while (end + 1 < sorted.length && sorted[end + 1]!.at === t) end++;
    while (sorted[start]!.at <= t - limit.widthMs) start++;
    const used = prefix[end + 1]! - prefix[start]!;
    fullest = Math.max(fullest, used);
    if (used > limit.count) violations++;
  }
  return { violations, fullest };
}

/**
 * Receives that arrived after a message submitted later than them had already arrived. With
 * `inFlight` connections a message may be overtaken by the ones sent beside it: only an overtaking
 * by a message submitted `inFlight` or more places later counts (1: strict order).
 */
export function orderViolations(receives: readonly Receive[], inFlight = 1): number {
  let highest = -1;
  let violations = 0;
  for (const r of receives) {
    if (r.index <= highest - inFlight) violations++;
    highest = Math.max(highest, r.index);
  }
  return violations;
}

/**
 * How each receive of a server compares with the moment the server had room for it. For each gap
 * between two receives (the first gap starts at `start`, when everything was submitted), room
 * comes when the oldest message still waiting fits every window, counted over the receives before
 * the gap exactly as the sink saw them: FIFO lets nothing else go first. (With several connections
 * the receive that ends the gap may be a later message that overtook the head on the wire; a
 * 1-recipient message behind a 3-recipient head does not give the server room sooner.) A window
 * only empties during a gap, so once the server has room it keeps it until the next receive.
 * `longestWaitMs`: the longest a server sat idle with room and mail waiting (starvation).
 * `earliestMs`: how far before its room a receive came (0 without a violation), the size of the
 * worst overshoot.
 */
export function waitsWithRoom(receives: readonly Receive[], limits: readonly WindowLimit[], start: number): { longestWaitMs: number; earliestMs: number } {
  let longestWaitMs = 0;
  let earliestMs = 0;
  for (const gap of gapsWithRoom(receives, limits, start)) {
    longestWaitMs = Math.max(longestWaitMs, gap.waitMs);
    earliestMs = Math.max(earliestMs, gap.roomAt - gap.at);
  }
  return { longestWaitMs, earliestMs };
}

export type Gap = Receive & {
  /** When this receive itself fitted every window (after it: a violation). */
  roomAt: number;
  /** When the oldest message still waiting at the gap fitted every window: from then on the server could send. */
  headRoomAt: number;
  /** From the later of the gap's start and headRoomAt to this receive. */
  waitMs: number;
};

/** Each receive in time order with the moments the server had room for it and for the queue's head, and how long it then waited. */
export function gapsWithRoom(receives: readonly Receive[], limits: readonly WindowLimit[], start: number): Gap[] {
  const sorted = [...receives].sort((a, b) => a.at - b.at);
  // The head of the queue at each gap: the oldest message (lowest index) not yet received.
  const head: Receive[] = [];
  for (let k = sorted.length - 1; k >= 0; k--) head[k] = k + 1 < sorted.length && head[k + 1]!.index < sorted[k]!.index ? head[k + 1]! : sorted[k]!;
  // When `recipients` more fit every window after the receives before k.
  const roomFor = (k: number, recipients: number) => {
    let room = Number.NEGATIVE_INFINITY;
    for (const limit of limits) {
      let used = unitsOf(limit, recipients);
      // Walking back, the first receive that takes the window over the limit must leave it first.
      for (let j = k - 1; j >= 0; j--) {
        used += unitsOf(limit, sorted[j]!.recipients);
        if (used > limit.count) {
          room = Math.max(room, sorted[j]!.at + limit.widthMs);
          break;
        }
      }
    }
    return room;
  };
  return sorted.map((receive, k) => {
    const gapStart = k === 0 ? start : Math.max(start, sorted[k - 1]!.at);
    const headRoomAt = roomFor(k, head[k]!.recipients);
    return { ...receive, roomAt: roomFor(k, receive.recipients), headRoomAt, waitMs: receive.at - Math.max(gapStart, headRoomAt) };
  });
}

/** Expected indexes 0…count−1: how many never arrived and how many arrived more than once. */
export function lossAndDuplicates(receives: readonly Receive[], count: number): { lost: number; duplicates: number; unexpected: number } {
  const seen = new Map<number, number>();
  let unexpected = 0;
  for (const r of receives) {
    if (r.index < 0 || r.index >= count) unexpected++;
    else seen.set(r.index, (seen.get(r.index) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const times of seen.values()) duplicates += times - 1;
  return { lost: count - seen.size, duplicates, unexpected };
}

/**
 * The ideal scheduler: strict FIFO, every message sent at the earliest moment at which it fits
 * every limit (exact sliding windows), sending takes no time, everything available at `start`.
 * Returns each message's send time.
 */
export function idealSchedule(recipients: readonly number[], limits: readonly WindowLimit[], start: number): number[] {
  const times: number[] = [];
  let previous = start;
  for (let k = 0; k < recipients.length; k++) {
    let t = previous;
    for (const limit of limits) {
      const need = unitsOf(limit, recipients[k]!);
      let used = need;
      // Walk back until the window would be over the limit: that entry (and all before it) must
      // have left the window, i.e. t ≥ its time + W.
      for (let j = k - 1; j >= 0; j--) {
        used += unitsOf(limit, recipients[j]!);
        if (used > limit.count) {
          t = Math.max(t, times[j]! + limit.widthMs);
          break;
        }
      }
    }
    times.push(t);
    previous = t;
  }
  return times;
}

/** Deterministic 1–3 recipients per message (a small LCG, so every run submits the same mix). */
export function recipientCounts(count: number, seed = 7): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return 1 + (Math.floor(state / 65_536) % 3);
  });
}
