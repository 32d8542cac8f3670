import { describe, expect, it } from "vitest";
import { backoffMs, checkLimits, roomLeft, splitRecipients, type Entry, type Limit } from "./limiter.ts";

const perMinute: Limit = { count: 30, window: "MINUTE", unit: "MESSAGES" };
const recipientsPerDay: Limit = { count: 10_000, window: "DAY", unit: "RECIPIENTS" };
const one = { transactions: 1, recipients: 1 };

function entries(times: number[], recipients = 1): Entry[] {
  return times.map((countsUntil) => ({ countsUntil, recipients }));
}

describe("the sliding-window limiter", () => {
  it("lets the 30th message of a minute through", () => {
    expect(checkLimits([perMinute], entries(Array.from({ length: 29 }, (_, i) => 1000 + i)), one, 2000).fits).toBe(true);
  });

  it("defers the 31st message in a minute until the window opens, to the millisecond", () => {
    const sent = entries(Array.from({ length: 30 }, (_, i) => 1000 + i * 10));
    const verdict = checkLimits([perMinute], sent, one, 5000);
    expect(verdict).toEqual({ fits: false, freeAt: 1000 + 60_000 + 1, limit: perMinute, neverFits: false });
    expect(checkLimits([perMinute], sent, one, 61_001).fits).toBe(true);
  });

  it("frees as many entries as the message needs", () => {
    const sent = entries(Array.from({ length: 30 }, (_, i) => 1000 + i * 10));
    const verdict = checkLimits([perMinute], sent, { transactions: 3, recipients: 3 }, 5000);
    expect(verdict).toMatchObject({ fits: false, freeAt: 1020 + 60_001 });
  });

  it("says how many more messages the fullest window leaves room for", () => {
    const sent = entries(
      Array.from({ length: 25 }, (_, i) => 1000 + i),
      300,
    );
    expect(roomLeft([perMinute, recipientsPerDay], sent, 2000)).toBe(5);
    expect(roomLeft([perMinute], sent, 61_025)).toBe(30);
    expect(roomLeft([], sent, 2000)).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts recipients (To + Cc + Bcc) for recipient limits", () => {
    const sent = entries([1000, 2000], 5_000);
    expect(checkLimits([recipientsPerDay], sent, { transactions: 1, recipients: 2 }, 3000)).toMatchObject({ fits: false, freeAt: 1000 + 86_400_000 + 1 });
    expect(checkLimits([recipientsPerDay], sent, { transactions: 1, recipients: 2 }, 3000 + 86_400_000).fits).toBe(true);
  });

  it("waits for the latest of several full limits", () => {
    const perSecond: Limit = { count: 1, window: "SECOND", unit: "MESSAGES" };
    const verdict = checkLimits([perSecond, perMinute], entries(Array.from({ length: 30 }, (_, i) => 100 + i)), one, 200);
    expect(verdict).toMatchObject({ fits: false, limit: perMinute, freeAt: 100 + 60_001 });
  });

  it("says when a message can never fit", () => {
    expect(checkLimits([recipientsPerDay], [], { transactions: 1, recipients: 10_001 }, 0)).toMatchObject({ fits: false, neverFits: true });
  });

  it("splits a message above the per-message recipient cap", () => {
    const chunks = splitRecipients(
      Array.from({ length: 600 }, (_, i) => i),
      500,
    );
    expect(chunks.map((c) => c.length)).toEqual([500, 100]);
    expect(splitRecipients([1, 2], null)).toEqual([[1, 2]]);
  });

  it("backs off exponentially with jitter and a ceiling", () => {
    expect(backoffMs(1, 30, 3600, () => 0.5)).toBe(30_000);
    expect(backoffMs(3, 30, 3600, () => 0.5)).toBe(120_000);
    expect(backoffMs(20, 30, 3600, () => 0.5)).toBe(3_600_000);
    expect(backoffMs(1, 30, 3600, () => 0)).toBe(22_500);
  });
});
