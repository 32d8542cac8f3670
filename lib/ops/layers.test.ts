import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The layering rules live in eslint.config.mjs, so `npm run lint` (and with it `npm test`) fails
 * on a violation. These tests lint deliberate violations as if they were files of the project.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the layers the linter keeps", () => {
  it("refuses a feature import in infrastructure (lib/smtp, db, crypto, i18n, jobs, log)", async () => {
    for (const folder of ["smtp", "db", "crypto", "i18n", "jobs", "log"]) {
      const found = await problems(
        `lib/${folder}/violation.ts`,
        `import { createServer } from "@/lib/mailservers/mutations.ts";\nexport const x = createServer;\n`,
      );
      expect(found.join("\n"), folder).toMatch(/no-restricted-imports: .*Infrastructure/);
    }
  });

  it("lets infrastructure import infrastructure", async () => {
    expect(await problems("lib/smtp/fine.ts", `import { logger } from "@/lib/log/logger.ts";\nexport const x = logger;\n`)).toEqual([]);
  });

  it("keeps the database client in data.ts and mutations.ts: a page or component importing it fails", async () => {
    const code = `import { db } from "@/lib/db/client.ts";\nexport const x = db;\n`;
    expect((await problems("app/(beheer)/violation/page.tsx", code)).join("\n")).toMatch(/no-restricted-imports: .*data\.ts or mutations\.ts/);
    expect((await problems("lib/mailservers/components/violation.tsx", code)).join("\n")).toMatch(/no-restricted-imports/);
    expect(await problems("lib/mailservers/data.ts", code)).toEqual([]);
    expect(await problems("lib/mailservers/mutations.ts", code)).toEqual([]);
  });

  it("allows the client's type anywhere: functions take the database as a parameter", async () => {
    expect(await problems("lib/mailservers/components/fine.tsx", `import type { Db } from "@/lib/db/client.ts";\nexport type X = Db;\n`)).toEqual([]);
  });
});
