import { describe, expect, it } from "vitest";
import { CODE_ALPHABET, generateCode, hashCode, matchCodes, normalizeCode } from "./codes.ts";

const SECRET = "x".repeat(40);

describe("verification codes", () => {
  it("are 10 characters from an alphabet without look-alikes, shown in two groups", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode();
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
    }
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it("differ every time", () => {
    expect(new Set(Array.from({ length: 1000 }, generateCode)).size).toBe(1000);
  });

  it("forgive spaces, dashes and lower case", () => {
    expect(normalizeCode(" abcde - fghjk ")).toBe("ABCDEFGHJK");
    expect(hashCode(SECRET, "v1", "abcde fghjk")).toBe(hashCode(SECRET, "v1", "ABCDE-FGHJK"));
  });

  it("are bound to their round: the same code in another round does not match", () => {
    expect(hashCode(SECRET, "round-1", "ABCDE-FGHJK")).not.toBe(hashCode(SECRET, "round-2", "ABCDE-FGHJK"));
  });

  it("match in either order, and one code cannot prove both", () => {
    const expected = { ownership: hashCode(SECRET, "r", "AAAAA-BBBBB"), configuration: hashCode(SECRET, "r", "CCCCC-DDDDD") };
    expect(matchCodes(SECRET, "r", ["CCCCC-DDDDD", "AAAAA-BBBBB"], expected)).toEqual({ ownership: true, configuration: true });
    expect(matchCodes(SECRET, "r", ["AAAAA-BBBBB", "AAAAA-BBBBB"], expected)).toEqual({ ownership: true, configuration: false });
    expect(matchCodes(SECRET, "r", ["ZZZZZ-ZZZZZ", ""], expected)).toEqual({ ownership: false, configuration: false });
  });

  it("need only the configuration code when ownership was proven before", () => {
    const expected = { ownership: null, configuration: hashCode(SECRET, "r", "CCCCC-DDDDD") };
    expect(matchCodes(SECRET, "r", ["", "ccccc-ddddd"], expected)).toEqual({ ownership: false, configuration: true });
  });
});
