import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url.ts";

describe("safeCallbackPath", () => {
  it("keeps a path on this site with its query and fragment", () => {
    expect(safeCallbackPath("/beheer/applicatieinstellingen/logging?status=FAILED#boven")).toBe("/beheer/applicatieinstellingen/logging?status=FAILED#boven");
  });

  it.each([
    ["//evil.example/phish"],
    ["/\\evil.example/phish"],
    ["/\t/evil.example/phish"],
    ["/\n/evil.example/phish"],
    ["/.//evil.example/phish"],
    ["/..//evil.example/phish"],
    ["https://evil.example/phish"],
    ["javascript:alert(1)"],
    ["evil.example"],
    [""],
  ])("refuses %j", (value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it("refuses what is not a single string", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(["/audit", "//evil.example"])).toBe("/");
  });
});
