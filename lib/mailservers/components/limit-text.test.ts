import { describe, expect, it } from "vitest";
import { translator } from "@/lib/i18n/translate.ts";
import { limitSentence } from "./limit-text.ts";

describe("limits read as sentences", () => {
  const nl = translator("nl");
  const en = translator("en");

  it.each([
    [{ count: 30, window: "MINUTE", unit: "MESSAGES" }, "30 berichten per minuut", "30 messages per minute"],
    [{ count: 1, window: "SECOND", unit: "MESSAGES" }, "1 bericht per seconde", "1 message per second"],
    [{ count: 500, window: "DAY", unit: "MESSAGES" }, "500 berichten per 24 uur", "500 messages per 24 hours"],
    [{ count: 10_000, window: "DAY", unit: "RECIPIENTS" }, "10.000 ontvangers per 24 uur", "10,000 recipients per 24 hours"],
    [{ count: 1, window: "HOUR", unit: "RECIPIENTS" }, "1 ontvanger per uur", "1 recipient per hour"],
    [{ count: 200, window: "SECOND", windowSize: 10, unit: "MESSAGES" }, "200 berichten per 10 seconden", "200 messages per 10 seconds"],
    [{ count: 5, window: "DAY", windowSize: 2, unit: "MESSAGES" }, "5 berichten per 2 × 24 uur", "5 messages per 2 × 24 hours"],
  ] as const)("%o", (limit, dutch, english) => {
    expect(limitSentence(limit, nl)).toBe(dutch);
    expect(limitSentence(limit, en)).toBe(english);
  });
});
