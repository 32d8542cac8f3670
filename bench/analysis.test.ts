import { describe, expect, it } from "vitest";
import { gapsWithRoom, waitsWithRoom, type WindowLimit } from "./analysis.ts";

const recipientsPerSecond = (count: number): WindowLimit => ({ count, widthMs: 1_000, unit: "RECIPIENTS", label: `${count} recipients / second` });

describe("waitsWithRoom (the scale bench's starvation)", () => {
  it("counts a wait from when the queue's head fits, not from when a message that overtook it on the wire would have", () => {
    // 5 recipients per second. #0 (1) and #1 (3) fill 4 of 5; the head #2 needs 3, so it fits only
    // when #1 leaves the window at 1,100. #3 (1 recipient) would fit at once, but FIFO sends #2 first;
    // with two connections #3 still reaches the sink a millisecond before #2.
    const receives = [
      { index: 0, at: 0, recipients: 1 },
      { index: 1, at: 100, recipients: 3 },
      { index: 3, at: 1_105, recipients: 1 },
      { index: 2, at: 1_106, recipients: 3 },
    ];
    const gaps = gapsWithRoom(receives, [recipientsPerSecond(5)], 0);
    expect(gaps.map((g) => [g.index, g.headRoomAt, g.waitMs])).toEqual([
      [0, Number.NEGATIVE_INFINITY, 0],
      [1, Number.NEGATIVE_INFINITY, 100],
      [3, 1_100, 5],
      [2, 1_100, 1],
    ]);
    expect(waitsWithRoom(receives, [recipientsPerSecond(5)], 0)).toEqual({ longestWaitMs: 100, earliestMs: 0 });
  });

  it("still finds a server idle with room for its head", () => {
    const receives = [
      { index: 0, at: 10, recipients: 1 },
      { index: 1, at: 3_010, recipients: 2 },
    ];
    expect(waitsWithRoom(receives, [recipientsPerSecond(5)], 0).longestWaitMs).toBe(3_000);
  });

  it("measures an overshoot by the receive's own recipients", () => {
    // 2 messages per second, three within 20 ms: the third came 980 ms before its room.
    const limit: WindowLimit = { count: 2, widthMs: 1_000, unit: "MESSAGES", label: "2 messages / second" };
    const receives = [0, 10, 20].map((at, index) => ({ index, at, recipients: 1 }));
    expect(waitsWithRoom(receives, [limit], 0).earliestMs).toBe(980);
  });
});
