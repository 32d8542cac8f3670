import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { freePort } from "../support/test-database.ts";

/**
 * `npm start` as a new user runs it: the real runner (lib/ops/start.ts) with its embedded
 * PostgreSQL, or with DATABASE_URL. It reuses the test build (NEXT_DIST_DIR) so nothing is
 * built twice in one run.
 */
test.describe.configure({ mode: "serial", timeout: 180_000 });

type Started = { child: ChildProcess; output: () => string; url: string };

async function startPostkamer(env: Record<string, string | undefined>): Promise<Started> {
  const port = await freePort();
  const { DATABASE_URL: _db, AUTH_SECRET: _a, ENCRYPTION_KEY: _e, NEXTAUTH_URL: _n, PORT: _p, ...base } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "lib/ops/start.ts"], {
    env: { ...base, NODE_ENV: "development", NEXT_DIST_DIR: ".next-test", PORT: String(port), ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://localhost:${port}`;
  await expect.poll(() => output, { timeout: 120_000, intervals: [250] }).toContain("Postkamer draait op");
  await expect.poll(async () => (await fetch(`${url}/login`).catch(() => null))?.status, { timeout: 60_000 }).toBe(200);
  return { child, output: () => output, url };
}

async function stop(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGINT");
  await exited;
}

function processesMentioning(text: string): string[] {
  try {
    return execFileSync("pgrep", ["-af", text], { encoding: "utf8" }).trim().split("\n").filter((line) => line && !line.includes("pgrep"));
  } catch {
    return [];
  }
}

test("without DATABASE_URL: embedded PostgreSQL, printed credentials sign in, and a second start reuses the data", async ({ page, context }) => {
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  await chmod(dataDir, 0o755);
  const env = { POSTKAMER_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  try {
    const first = await startPostkamer(env);
    expect(first.output()).toContain("ingebouwde PostgreSQL");
    const email = /E-mailadres: (\S+)/.exec(first.output())?.[1];
    const password = /Wachtwoord: {2}(\S+)/.exec(first.output())?.[1];
    expect(email).toBe("admin@postkamer.local");
    expect(existsSync(join(dataDir, "secrets.json"))).toBe(true);

    await page.goto(`${first.url}/login`);
    await page.getByLabel("E-mailadres").fill(email!);
    await page.getByLabel("Wachtwoord").fill(password!);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
    await stop(first);
    expect(processesMentioning(dataDir)).toEqual([]);

    const second = await startPostkamer(env);
    expect(second.output()).not.toContain("Eerste beheerder");
    // The kept AUTH_SECRET keeps the old session valid too; sign in afresh to prove the data is the same.
    await page.goto(`${second.url}/`);
    await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
    await context.clearCookies();
    await page.goto(`${second.url}/login`);
    await page.getByLabel("E-mailadres").fill(email!);
    await page.getByLabel("Wachtwoord").fill(password!);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
    await stop(second);
    expect(processesMentioning(dataDir)).toEqual([]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("trial mode: a new user adds and verifies a sender on the demo server using only the Postvak", async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  await chmod(dataDir, 0o755);
  try {
    const started = await startPostkamer({
      POSTKAMER_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      MAILCATCHER_SMTP_PORT: String(await freePort()),
      MAILCATCHER_WEB_PORT: String(await freePort()),
      // No resolver answers here: trial mode goes on without the MX check, as it would offline.
      DNS_SERVERS: `127.0.0.1:${await freePort()}`,
      RETRY_BASE_SECONDS: "1",
    });
    const email = /E-mailadres: (\S+)/.exec(started.output())![1]!;
    const password = /Wachtwoord: {2}(\S+)/.exec(started.output())![1]!;
    await page.goto(`${started.url}/login`);
    await page.getByLabel("E-mailadres").fill(email);
    await page.getByLabel("Wachtwoord").fill(password);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await page.getByRole("link", { name: "Demo-mailserver (mail catcher)" }).click();
    const senders = page.getByTestId("senders");
    await senders.getByLabel("Naam van de afzender").fill("Demo");
    await senders.getByLabel("E-mailadres van de afzender").fill("demo@voorbeeld.nl");
    await senders.getByRole("button", { name: "Codes versturen" }).click();
    await expect(page.getByRole("heading", { name: "Demo", exact: true })).toBeVisible();
    const senderUrl = page.url().replace(/\?.*$/, "");

    await expect(page.getByRole("link", { name: "Postvak (mail catcher)" })).toBeVisible();
    await page.goto(`${started.url}/beheer/postvak`);
    await expect.poll(async () => {
      await page.reload();
      return page.getByTestId("caught-mail").count();
    }, { timeout: 30_000 }).toBe(2);
    const bodies = await page.getByTestId("caught-mail").allTextContents();
    const codes = bodies.map((body) => /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(body)![1]!);

    await page.goto(senderUrl);
    await page.getByLabel("Code 1").fill(codes[0]!);
    await page.getByLabel("Code 2").fill(codes[1]!);
    await page.getByRole("button", { name: "Verifiëren" }).click();
    await expect(page.locator("[data-sender-state]").first()).toHaveText("Geverifieerd");
    await stop(started);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("with DATABASE_URL: nothing embedded starts, and ADMIN_EMAIL / ADMIN_PASSWORD are used", async ({ request }) => {
  const name = `postkamer_start_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  try {
    const started = await startPostkamer({
      DATABASE_URL: url.toString(),
      POSTKAMER_DATA_DIR: dataDir,
      ADMIN_EMAIL: "fg@example.test",
      ADMIN_PASSWORD: "een-lang-wachtwoord",
    });
    expect(started.output()).not.toContain("ingebouwde PostgreSQL");
    expect(started.output()).toContain("E-mailadres: fg@example.test");
    expect(existsSync(join(dataDir, "postgres"))).toBe(false);
    await expect.poll(async () => (await request.get(`${started.url}/api/health`)).status(), { timeout: 45_000 }).toBe(200);
    await stop(started);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("in production mode it refuses to start without AUTH_SECRET and ENCRYPTION_KEY", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "lib/ops/start.ts"], {
    env: { ...process.env, NODE_ENV: "production", AUTH_SECRET: "", ENCRYPTION_KEY: "" } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  expect(code).toBe(1);
  expect(output).toContain("Refusing to start in production without AUTH_SECRET and ENCRYPTION_KEY");
});
