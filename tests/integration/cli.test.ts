import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey } from "@/lib/apikeys/mutations.ts";
import { signInWithPassword } from "@/lib/auth/credentials.ts";
import { checkSession, newSessionClaims } from "@/lib/auth/session-token.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const exec = promisify(execFile);

function cli(...args: string[]) {
  return exec(process.execPath, ["--import", "tsx", "lib/ops/cli.ts", ...args], { env: process.env, timeout: 60_000 });
}

/** The CLI with `input` on its standard input (a pipe, as from a script). */
function cliWithInput(input: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const child = execFile(process.execPath, ["--import", "tsx", "lib/ops/cli.ts", ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ stdout, stderr, code: error ? (error.code as number) : 0 });
    });
    child.stdin!.end(input);
  });
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

  it("create-user refuses --password, which the process list and shell history would keep, and creates nothing", async () => {
    const result = await cliWithInput("", ["create-user", "argument@example.test", "--role", "helpdesk", "--password", "Geheim-wachtwoord-1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--password-stdin");
    expect(await testDb().user.findUnique({ where: { email: "argument@example.test" } })).toBeNull();
  });

  it("create-user --password-stdin reads the password from a pipe and never prints it", async () => {
    const password = "Uit-een-pijp-gelezen-1";
    const result = await cliWithInput(`${password}\n`, ["create-user", "stdin@example.test", "--role", "helpdesk", "--password-stdin"]);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(await signInWithPassword(testDb(), { email: "stdin@example.test", password, clientAddress: null })).toMatchObject({ ok: true });
    expect((await cliWithInput("", ["create-user", "leeg@example.test", "--role", "helpdesk", "--password-stdin"])).code).toBe(2);
  });

  it("seed prints a first administrator's password only when it generated it", async () => {
    await resetDatabase();
    const chosen = await cliWithInput("", ["seed"], { ...process.env, ADMIN_EMAIL: "gekozen@example.test", ADMIN_PASSWORD: "zelf-gekozen-wachtwoord" });
    expect(chosen.stdout).toContain("gekozen@example.test");
    expect(chosen.stdout).not.toContain("zelf-gekozen-wachtwoord");
    await resetDatabase();
    const generated = await cliWithInput("", ["seed"], { ...process.env, ADMIN_EMAIL: "gegenereerd@example.test", ADMIN_PASSWORD: undefined });
    expect(generated.stdout).toMatch(/Wachtwoord: +[a-zA-Z2-9]{20}\n/);
    await resetDatabase();
    await seed(testDb(), { adminEmail: "admin@example.test", adminPassword: "admin-password-123" });
  });

  it("create-user with an unknown role fails, lists the roles and creates nothing", async () => {
    await expect(cli("create-user", "x@example.test", "--role", "Koning")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Roles: Beheerder, Helpdesk"),
    });
    expect(await testDb().user.findUnique({ where: { email: "x@example.test" } })).toBeNull();
  });

  it("reset-password sets a new password, ends the sessions signed in before it, and is audited", async () => {
    const { stdout } = await cli("create-user", "vergeten@example.test", "--role", "helpdesk");
    const oldPassword = /Password: (\S+)/.exec(stdout)![1]!;
    const user = await testDb().user.findUniqueOrThrow({ where: { email: "vergeten@example.test" } });
    const before = newSessionClaims(user.id, Date.now() - 5_000);
    await expect(checkSession(testDb(), before)).resolves.toMatchObject({ sub: user.id });

    const newPassword = "Na-het-vergeten-1";
    const reset = await cliWithInput(`${newPassword}\n`, ["reset-password", "Vergeten@Example.test", "--password-stdin"]);
    expect(reset.code).toBe(0);
    expect(reset.stdout + reset.stderr).not.toContain(newPassword);
    await expect(checkSession(testDb(), before)).rejects.toMatchObject({ reason: "signedOut" });
    // Signing in again after the reset, even within the same second, gives a live session.
    await expect(checkSession(testDb(), newSessionClaims(user.id, Date.now() + 1_000))).resolves.toMatchObject({ sub: user.id });
    expect(await signInWithPassword(testDb(), { email: "vergeten@example.test", password: newPassword, clientAddress: null })).toMatchObject({ ok: true });
    expect(await signInWithPassword(testDb(), { email: "vergeten@example.test", password: oldPassword, clientAddress: null })).toMatchObject({ ok: false });
    const entry = await testDb().auditEntry.findFirstOrThrow({ where: { action: "user.password.reset" } });
    expect(entry).toMatchObject({ entityId: user.id, actorLabel: "cli" });

    const generated = await cli("reset-password", "vergeten@example.test");
    expect(generated.stdout).toMatch(/Password: [a-zA-Z2-9]{20}/);
  });

  it("reset-password refuses an unknown address and a short password, and changes nothing", async () => {
    await expect(cli("reset-password", "niemand@example.test")).rejects.toMatchObject({ code: 1 });
    const short = await cliWithInput("kort\n", ["reset-password", "admin@example.test", "--password-stdin"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("12 to 256");
    expect(await signInWithPassword(testDb(), { email: "admin@example.test", password: "admin-password-123", clientAddress: null })).toMatchObject({
      ok: true,
    });
  });
});
