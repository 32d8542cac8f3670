import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { en } from "./messages/en.ts";
import { nl } from "./messages/nl.ts";
import { translator } from "./translate.ts";

function entries(node: unknown, prefix = ""): [string, string][] {
  if (typeof node === "string") return [[prefix, node]];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) => entries(value, prefix ? `${prefix}.${key}` : key));
}

/** The names of a message's arguments, with their ICU type (plural, date, plain…). */
function argumentsOf(elements: MessageFormatElement[], found = new Map<string, number>()): Map<string, number> {
  for (const element of elements) {
    if (element.type !== TYPE.literal && "value" in element && typeof element.value === "string") found.set(element.value, element.type);
    if ("options" in element) for (const option of Object.values(element.options)) argumentsOf(option.value, found);
  }
  return found;
}

describe("message catalogs", () => {
  const dutch = new Map(entries(nl));
  const english = new Map(entries(en));

  it("have the same keys in Dutch and English", () => {
    expect([...english.keys()].filter((key) => !dutch.has(key))).toEqual([]);
    expect([...dutch.keys()].filter((key) => !english.has(key))).toEqual([]);
  });

  it("hold only valid ICU messages, with the same arguments in both languages", () => {
    const problems: string[] = [];
    for (const [key, text] of dutch) {
      try {
        const nlArgs = argumentsOf(parse(text, { requiresOtherClause: true }));
        const other = english.get(key);
        if (other === undefined) continue;
        const enArgs = argumentsOf(parse(other, { requiresOtherClause: true }));
        const names = (args: Map<string, number>) => [...args.keys()].sort().join(",");
        if (names(nlArgs) !== names(enArgs)) problems.push(`${key}: nl {${names(nlArgs)}} ≠ en {${names(enArgs)}}`);
      } catch (error) {
        problems.push(`${key}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("use formal address nowhere in Dutch (je, not u), also in the SMTP replies' and presets' advice", async () => {
    const formal = /\b(u|uw|U|Uw)\b/;
    expect([...dutch].filter(([, text]) => formal.test(text)).map(([key]) => key)).toEqual([]);
    for (const file of ["lib/smtp/replies.ts", "lib/mailservers/presets.ts"]) {
      const texts = [...(await readFile(file, "utf8")).matchAll(/\bnl: "((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? "");
      expect(texts.length).toBeGreaterThan(3);
      expect(texts.filter((text) => formal.test(text))).toEqual([]);
    }
  });

  it("choose the plural form by the count, in each language's own rules", () => {
    const t = translator("nl");
    expect(t("logging.progress.waiting", { count: 1 })).toBe("1 wacht");
    expect(t("logging.progress.waiting", { count: 12 })).toBe("12 wachten");
    expect(t("logging.recipients.count", { count: 10000 })).toBe("10.000 ontvangers");
    expect(translator("en")("mailservers.learned.times", { count: 1 })).toBe("once");
    expect(t("templates.errors.slotMissing")).toBe("Het kader moet {{inhoud}} bevatten.");
    expect(translator("en")("logging.recipients.count", { count: 10000 })).toBe("10,000 recipients");
  });
});
