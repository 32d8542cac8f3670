import { describe, expect, it } from "vitest";
import { translator } from "@/lib/i18n/translate.ts";
import { errorText } from "./components/note-text.ts";
import { deliveryNote, readDeliveryNote } from "./notes.ts";

/** The engine stores codes with their values; the reader gets them in words, in their language. */
describe("delivery notes", () => {
  const nl = translator("nl");
  const en = translator("en");

  it("round-trips each note through its stored form", () => {
    expect(readDeliveryNote(deliveryNote.gaveUp())).toEqual({ code: "gave-up" });
    expect(readDeliveryNote(deliveryNote.neverFits("30/MINUTE/MESSAGES"))).toEqual({
      code: "never-fits",
      limit: { count: 30, window: "MINUTE", windowSize: 1, unit: "MESSAGES" },
    });
    expect(readDeliveryNote(deliveryNote.interrupted())).toEqual({ code: "interrupted" });
    expect(readDeliveryNote("connect ECONNREFUSED 127.0.0.1:25")).toBeNull();
  });

  it("puts a note into Dutch or English, and leaves other text as it is", () => {
    expect(errorText(deliveryNote.gaveUp(), nl, "nl")).toContain("Opgegeven");
    expect(errorText(deliveryNote.gaveUp(), en, "en")).toContain("Given up");
    expect(errorText(deliveryNote.neverFits("30/MINUTE/MESSAGES"), nl, "nl")).toMatch(/Groter dan de limiet \(.*30.*\)/);
    expect(errorText(deliveryNote.neverFits("30/MINUTE/MESSAGES"), en, "en")).toMatch(/Larger than the limit \(.*30.*\)/);
    expect(errorText(deliveryNote.possibleDuplicate(), en, "en")).toContain("Possible duplicate");
    expect(errorText("connect ECONNREFUSED 127.0.0.1:25", nl, "nl")).toBe("connect ECONNREFUSED 127.0.0.1:25");
    expect(errorText(null, nl, "nl")).toBe("");
  });
});
