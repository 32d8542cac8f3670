import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey } from "@/lib/apikeys/mutations.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const exec = promisify(execFile);

function cli(...args: string[]) {
  return exec(process.execPath, ["--import", "tsx", "lib/ops/cli.ts", ...args], { env: process.env, timeout: 60_000 });
}

describe("the operator CLI (npm run cli)", () => {
  beforeAll(async () => {
    await resetDatabase();
    await seed(testDb(), { adminEmail: "admin@example.test", adminPassword: "admin-password-123" });
  });

  it("migrate reports an up-to-date database", async () => {
    const { stdout } = await cli("migrate");
    expect(stdout).toContain("Database is up to date.");
  });

  it("create-api-key prints a working key as its last line", async () => {
    const { stdout } = await cli("create-api-key", "Verzuimapplicatie", "productie");
    const key = stdout.trim().split("\n").at(-1)!;
    const stored = await authenticateApiKey(testDb(), `Bearer ${key}`);
    expect(stored?.name).toBe("Verzuimapplicatie productie");
  });

  it("create-user gives the user the role and prints a generated password", async () => {
    const { stdout } = await cli("create-user", "helpdesk@example.test", "--role", "helpdesk");
    expect(stdout).toMatch(/Password: [a-zA-Z2-9]{20}/);
    const user = await testDb().user.findUniqueOrThrow({ where: { email: "helpdesk@example.test" }, include: { roles: { include: { role: true } } } });
    expect(user.roles.map((r) => r.role.name)).toEqual(["Helpdesk"]);
  });

  it("create-user with an unknown role fails, lists the roles and creates nothing", async () => {
    await expect(cli("create-user", "x@example.test", "--role", "Koning")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Roles: Beheerder, Helpdesk"),
    });
    expect(await testDb().user.findUnique({ where: { email: "x@example.test" } })).toBeNull();
  });
});
