import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { createDb } from "@/lib/db/client.ts";
import { createBoss } from "@/lib/jobs/boss.ts";
import { ensureQueues } from "@/lib/jobs/queues.ts";
import { loopbackServer, submitMany, waitUntil } from "../support/delivery.ts";
import { startSlowCountingSmtp } from "../support/smtp.ts";
import { freePort } from "../support/test-database.ts";

/**
 * `npm start` as a new user runs it: npm itself, running the real runner (lib/ops/start.ts)
 * with its embedded PostgreSQL, or with DATABASE_URL. It reuses the test build (NEXT_DIST_DIR)
 * so nothing is built twice in one run. npm is started as the leader of its own process group,
 * as a shell starts a foreground job, so a Ctrl-C is a SIGINT to that group.
 */
test.describe.configure({ mode: "serial", timeout: 180_000 });

type Started = { npm: ChildProcess; exited: Promise<number | null>; output: () => string; url: string; port: number };
type Proc = { pid: number; args: string };

/** Runs `npm start` as a user's shell would; `startPostkamer` also waits until it serves. */
function spawnPostkamer(env: Record<string, string | undefined>, port: number): Started {
  // What a user's shell would have: none of this run's configuration, nor npm's variables of `npm test`.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|AUTH_SECRET|ENCRYPTION_KEY|NEXTAUTH_URL|PORT)$|^npm_/i.test(name)),
  );
  const npm = spawn("npm", ["start"], {
    env: {
      ...base,
      NODE_ENV: "development",
      NEXT_DIST_DIR: ".next-test",
      PORT: String(port),
      npm_config_update_notifier: "false",
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  let output = "";
  npm.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const started = { npm, exited, output: () => output, url: `http://localhost:${port}`, port };
  startedInTest.push(started);
  return started;
}

const startedInTest: Started[] = [];

// A failed test shows what each `npm start` of it printed.
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const [i, started] of startedInTest.entries()) await testInfo.attach(`npm start ${i + 1}`, { body: started.output(), contentType: "text/plain" });
  }
  startedInTest.length = 0;
});

async function startPostkamer(env: Record<string, string | undefined>): Promise<Started> {
  const started = spawnPostkamer(env, await freePort());
  await expect.poll(() => started.output(), { timeout: 120_000, intervals: [250] }).toContain("Postkamer draait op");
  await expect.poll(async () => (await fetch(`${started.url}/login`).catch(() => null))?.status, { timeout: 60_000 }).toBe(200);
  return started;
}

function processTable(): (Proc & { ppid: number })[] {
  return execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }));
}

/** npm and everything below it: the runner, the web app, the worker, the embedded PostgreSQL. */
function processTree(root: number): Proc[] {
  const table = processTable();
  const tree = table.filter((proc) => proc.pid === root);
  for (let i = 0; i < tree.length; i += 1) tree.push(...table.filter((proc) => proc.ppid === tree[i]!.pid));
  return tree.map(({ pid, args }) => ({ pid, args }));
}

/** Those of `procs` still running (the same pid with the same command line, so a reused pid does not count). */
function stillRunning(procs: Proc[]): Proc[] {
  const table = processTable();
  return procs.filter((proc) => table.some((row) => row.pid === proc.pid && row.args === proc.args));
}

/** Process group of every process in npm's tree. */
function processGroups(root: number): Map<number, number> {
  const pids = new Set(processTree(root).map((proc) => proc.pid));
  const rows = execFileSync("ps", ["-eo", "pid=,pgid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number));
  return new Map(rows.filter(([pid]) => pids.has(pid!)).map(([pid, pgid]) => [pid!, pgid!]));
}

function processesMentioning(text: string): string[] {
  try {
    return execFileSync("pgrep", ["-af", text], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((line) => line && !line.includes("pgrep"));
  } catch {
    return [];
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const childOf = (started: Started, marker: (proc: Proc) => boolean) => processTree(started.npm.pid!).find(marker);
const isWorker = (proc: Proc) => proc.args.includes("lib/ops/worker.ts") && !proc.args.includes("esbuild");
const isWeb = (proc: Proc) => proc.args.includes("lib/ops/web-server.ts") && !proc.args.includes("esbuild");

/**
 * Stops Postkamer as systemd or `kill PID` does (SIGTERM to the npm process) or as Ctrl-C does
 * (SIGINT to the foreground process group), and checks that nothing of it is left within 30 s:
 * no process of its tree, no open port, one last line saying so, and no stack trace.
 */
async function stopAndExpectNothingLeft(started: Started, how: "SIGTERM to npm" | "Ctrl-C", ports: number[] = []): Promise<void> {
  const tree = processTree(started.npm.pid!);
  expect(tree.some(isWeb) && tree.some(isWorker)).toBe(true);
  const before = Date.now();
  if (how === "Ctrl-C") process.kill(-started.npm.pid!, "SIGINT");
  else process.kill(started.npm.pid!, "SIGTERM");
  const code = await Promise.race([started.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 30_000))]);
  expect(code).toBe(0);
  await expect.poll(() => stillRunning(tree), { timeout: Math.max(1_000, 30_000 - (Date.now() - before)) }).toEqual([]);
  for (const port of [started.port, ...ports]) expect(await portOpen(port), `port ${port}`).toBe(false);
  const lines = started.output().trim().split("\n");
  expect(lines.at(-1)).toBe("Postkamer is gestopt.");
  expect(lines.filter((line) => line.includes("gestopt"))).toHaveLength(1);
  expect(started.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

type HealthSample = number | string;

/** GET /api/health once a second until stopped: the status, or why there was none (a refused connection). */
function sampleHealth(url: string): { stop(): Promise<HealthSample[]> } {
  const samples: HealthSample[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const started = Date.now();
      samples.push(
        await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) })
          .then(async (response) => (await response.arrayBuffer(), response.status))
          .catch((error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.name),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - started))));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return samples;
    },
  };
}

type Health = { supervisor?: { workerRestarts: number; webRestarts: number; lastWorkerRestartAt: string | null } };

/** The HTTP status (`code`) and the supervisor's part of /api/health. */
async function health(url: string): Promise<Health & { code: number }> {
  const response = await fetch(`${url}/api/health`);
  return { ...((await response.json()) as Health), code: response.status };
}

/** A new database on the test run's server, dropped again by the returned function. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `postkamer_start_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

test("without DATABASE_URL: embedded PostgreSQL, printed credentials sign in, and a second start reuses the data", async ({ page, context }) => {
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  await chmod(dataDir, 0o755);
  // Free ports for the mail catcher too: another run on this machine may hold 1025/1080.
  const env = {
    POSTKAMER_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    MAILCATCHER_SMTP_PORT: String(await freePort()),
    MAILCATCHER_WEB_PORT: String(await freePort()),
  };
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
    // Ctrl-C reaches npm and the runner only: everything else is in a process group of its own.
    const groups = processGroups(first.npm.pid!);
    const postgres = processTree(first.npm.pid!).find((proc) => proc.args.includes(join(dataDir, "postgres")));
    expect(postgres).toBeDefined();
    expect(groups.get(postgres!.pid)).not.toBe(first.npm.pid);
    for (const proc of processTree(first.npm.pid!).filter((proc) => isWeb(proc) || isWorker(proc))) expect(groups.get(proc.pid)).not.toBe(first.npm.pid);
    await stopAndExpectNothingLeft(first, "Ctrl-C", [Number(env.EMBEDDED_PG_PORT)]);
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
    await stopAndExpectNothingLeft(second, "SIGTERM to npm", [Number(env.EMBEDDED_PG_PORT)]);
    expect(processesMentioning(dataDir)).toEqual([]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("trial mode: a new user adds and verifies a sender on the demo server using only the Postvak", async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  await chmod(dataDir, 0o755);
  try {
    const ports = [await freePort(), await freePort(), await freePort()] as const;
    const started = await startPostkamer({
      POSTKAMER_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(ports[0]),
      MAILCATCHER_SMTP_PORT: String(ports[1]),
      MAILCATCHER_WEB_PORT: String(ports[2]),
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
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByTestId("caught-mail").count();
        },
        { timeout: 30_000 },
      )
      .toBe(2);
    const bodies = await page.getByTestId("caught-mail").allTextContents();
    const codes = bodies.map((body) => /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(body)![1]!);

    await page.goto(senderUrl);
    await page.getByLabel("Code 1").fill(codes[0]!);
    await page.getByLabel("Code 2").fill(codes[1]!);
    await page.getByRole("button", { name: "Verifiëren" }).click();
    await expect(page.locator("[data-sender-state]").first()).toHaveText("Geverifieerd");
    await stopAndExpectNothingLeft(started, "SIGTERM to npm", [...ports]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("with DATABASE_URL: nothing embedded starts, ADMIN_EMAIL / ADMIN_PASSWORD are used, and SIGTERM to npm stops it all within 30 s", async ({ request }) => {
  const database = await freshDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  try {
    const started = await startPostkamer({
      DATABASE_URL: database.url,
      POSTKAMER_DATA_DIR: dataDir,
      ADMIN_EMAIL: "fg@example.test",
      ADMIN_PASSWORD: "een-lang-wachtwoord",
    });
    expect(started.output()).not.toContain("ingebouwde PostgreSQL");
    expect(started.output()).toContain("E-mailadres: fg@example.test");
    expect(existsSync(join(dataDir, "postgres"))).toBe(false);
    await expect.poll(async () => (await request.get(`${started.url}/api/health`)).status(), { timeout: 45_000 }).toBe(200);
    expect((await health(started.url)).supervisor).toEqual({ workerRestarts: 0, webRestarts: 0, lastWorkerRestartAt: null, lastWebRestartAt: null });
    await stopAndExpectNothingLeft(started, "SIGTERM to npm");
  } finally {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a worker killed with SIGKILL is started again, and /api/health answers every second meanwhile", async () => {
  const database = await freshDatabase();
  try {
    const started = await startPostkamer({ DATABASE_URL: database.url });
    await expect.poll(async () => (await health(started.url)).code, { timeout: 45_000 }).toBe(200);
    // Health turns 200 once pg-boss registers the worker, a moment before it logs "worker started".
    await expect.poll(() => started.output().split('"message":"worker started"').length - 1, { timeout: 30_000 }).toBe(1);
    const worker = childOf(started, isWorker)!;
    const sampler = sampleHealth(started.url);
    process.kill(worker.pid, "SIGKILL");

    await expect.poll(() => childOf(started, isWorker)?.pid ?? worker.pid, { timeout: 30_000 }).not.toBe(worker.pid);
    const { supervisor } = await health(started.url);
    expect(supervisor?.workerRestarts).toBe(1);
    expect(Date.parse(supervisor!.lastWorkerRestartAt!)).toBeGreaterThan(Date.now() - 30_000);
    expect(started.output()).toContain("De worker stopte onverwacht (SIGKILL); opnieuw starten over 1 s (herstart 1).");
    await expect.poll(() => started.output().split('"message":"worker started"').length - 1, { timeout: 30_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const samples = await sampler.stop();
    expect(samples.length).toBeGreaterThanOrEqual(4);
    expect(samples.filter((sample) => sample !== 200 && sample !== 503)).toEqual([]);
    await stopAndExpectNothingLeft(started, "SIGTERM to npm");
  } finally {
    await database.drop();
  }
});

/**
 * Issue 12's acceptance under the real runner: a drain of 500 messages over two pooled
 * connections, the worker child killed with SIGKILL after ~150 arrived, and nothing restarted by
 * the test: the supervisor starts a new worker, which takes the dead worker's drain over at once.
 */
test("supervised crash with mail: the worker killed mid-drain is restarted, nothing lost, duplicates only what was on the wire, /api/health up throughout", async () => {
  test.setTimeout(240_000);
  const CONNECTIONS = 2;
  const database = await freshDatabase();
  // ~10 ms per message, so the drain takes a few seconds and the kill lands mid-drain.
  const { smtp, arrivals } = await startSlowCountingSmtp();
  const prisma = createDb(database.url, 4);
  let boss: PgBoss | undefined;
  try {
    const started = await startPostkamer({ DATABASE_URL: database.url, ALLOW_PRIVATE_SMTP_HOSTS: "1" });
    await expect.poll(async () => (await health(started.url)).code, { timeout: 45_000 }).toBe(200);
    const sampler = sampleHealth(started.url);
    const samplingSince = Date.now();
    boss = createBoss(database.url, "web");
    await boss.start();
    await ensureQueues(boss);
    const server = await loopbackServer(prisma, smtp.port);
    await prisma.mailServer.update({ where: { id: server.id }, data: { maxConnections: CONNECTIONS } });
    const ids = await submitMany(prisma, boss, server.id, 500);

    await waitUntil(() => arrivals.length >= 150, 60_000);
    // The drain holder's id starts with host:pid: — that pid is npm start's worker child.
    const { drainHolder } = await prisma.mailServer.findUniqueOrThrow({ where: { id: server.id }, select: { drainHolder: true } });
    const worker = childOf(started, isWorker)!;
    expect(Number(drainHolder?.split(":")[1])).toBe(worker.pid);
    process.kill(worker.pid, "SIGKILL");
    const killedAt = Date.now();
    const arrivedBeforeKill = arrivals.length;

    const settled = async () => (await prisma.outboundMessage.count({ where: { id: { in: ids }, status: { in: ["SENT", "FAILED"] } } })) === ids.length;
    await waitUntil(settled, 120_000);
    // What arrived within 50 ms of the kill was already on the wire; resuming is the new worker's first.
    const resumedAt = Math.min(...arrivals.filter((arrival) => arrival.at > killedAt + 50).map((arrival) => arrival.at));
    const samples = await sampler.stop();
    const counts = new Map<number, number>();
    for (const { index } of arrivals) counts.set(index, (counts.get(index) ?? 0) + 1);
    const lost = ids.map((_, i) => i).filter((i) => !counts.has(i));
    const duplicated = [...counts].filter(([, count]) => count > 1).map(([index]) => index);
    const messages = await prisma.outboundMessage.findMany({ where: { id: { in: ids } }, select: { subject: true, status: true, possibleDuplicate: true } });
    const marked = messages.filter((m) => m.possibleDuplicate).map((m) => Number(/Bericht (\d+)/.exec(m.subject)![1]));
    console.info(
      `supervised crash: killed after ${arrivedBeforeKill} arrivals, delivery resumed ${resumedAt - killedAt} ms after the kill, ` +
        `${duplicated.length} duplicates, ${marked.length} marked, ${samples.length} health samples`,
    );

    expect(lost, "messages that never arrived").toEqual([]);
    expect(messages.every((m) => m.status === "SENT")).toBe(true);
    expect(duplicated.length).toBeLessThanOrEqual(CONNECTIONS);
    expect(marked.length).toBeLessThanOrEqual(CONNECTIONS);
    for (const index of duplicated) expect(marked, `message ${index} arrived twice unmarked`).toContain(index);
    expect(resumedAt - killedAt, "ms until delivery resumed").toBeLessThanOrEqual(20_000);
    // Sampled throughout (a sample waits for its answer, so a slow one delays the next), never a refused connection.
    expect(samples.length).toBeGreaterThanOrEqual(Math.floor((Date.now() - samplingSince) / 2_000));
    expect(samples.filter((sample) => sample !== 200 && sample !== 503)).toEqual([]);
    expect((await health(started.url)).supervisor?.workerRestarts).toBe(1);
    expect(started.output()).toContain("De worker stopte onverwacht (SIGKILL); opnieuw starten over 1 s (herstart 1).");
    await stopAndExpectNothingLeft(started, "SIGTERM to npm");
  } finally {
    await boss?.stop({ graceful: false, close: true });
    await prisma.$disconnect();
    await smtp.close();
    await database.drop();
  }
});

test("a web app killed with SIGKILL is started again, and the worker keeps running", async () => {
  const database = await freshDatabase();
  try {
    const started = await startPostkamer({ DATABASE_URL: database.url });
    await expect.poll(async () => (await health(started.url)).code, { timeout: 45_000 }).toBe(200);
    const [web, worker] = [childOf(started, isWeb)!, childOf(started, isWorker)!];
    process.kill(web.pid, "SIGKILL");

    await expect.poll(() => started.output(), { timeout: 10_000 }).toContain("De webapp stopte onverwacht (SIGKILL); opnieuw starten over 1 s (herstart 1).");
    await expect.poll(async () => (await health(started.url).catch(() => null))?.supervisor?.webRestarts, { timeout: 30_000 }).toBe(1);
    expect(childOf(started, isWeb)!.pid).not.toBe(web.pid);
    expect(childOf(started, isWorker)!.pid).toBe(worker.pid);
    await stopAndExpectNothingLeft(started, "SIGTERM to npm");
  } finally {
    await database.drop();
  }
});

test("a runner killed outright (SIGKILL, the OOM killer) leaves no web app or worker behind", async () => {
  const database = await freshDatabase();
  try {
    const started = await startPostkamer({ DATABASE_URL: database.url });
    const tree = processTree(started.npm.pid!);
    const runner = tree.find((proc) => proc.args.includes("lib/ops/start.ts"))!;
    process.kill(runner.pid, "SIGKILL");
    // npm passes the child's signal on to itself; the children notice their parent is gone.
    await started.exited;
    await expect.poll(() => stillRunning(tree), { timeout: 15_000 }).toEqual([]);
    expect(await portOpen(started.port)).toBe(false);
  } finally {
    await database.drop();
  }
});

test("embedded mode, the runner killed outright: its PostgreSQL is left running, and the next start stops it, starts afresh and signs in", async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), "postkamer-start-"));
  await chmod(dataDir, 0o755);
  const ports = [await freePort(), await freePort(), await freePort()] as const;
  const env = {
    POSTKAMER_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(ports[0]),
    MAILCATCHER_SMTP_PORT: String(ports[1]),
    MAILCATCHER_WEB_PORT: String(ports[2]),
  };
  try {
    const first = await startPostkamer(env);
    const email = /E-mailadres: (\S+)/.exec(first.output())![1]!;
    const password = /Wachtwoord: {2}(\S+)/.exec(first.output())![1]!;
    const tree = processTree(first.npm.pid!);
    const postgres = tree.find((proc) => proc.args.includes(join(dataDir, "postgres")))!;
    const below = new Set(processTree(postgres.pid).map((proc) => proc.pid));
    const runner = tree.find((proc) => proc.args.includes("lib/ops/start.ts"))!;
    process.kill(runner.pid, "SIGKILL");
    await first.exited;
    // The web app and the worker stop themselves; PostgreSQL, in its own process group, is left behind.
    await expect.poll(() => stillRunning(tree.filter((proc) => !below.has(proc.pid))), { timeout: 30_000 }).toEqual([]);
    expect(stillRunning([postgres])).toEqual([postgres]);

    const second = await startPostkamer(env);
    expect(second.output()).toContain(
      `De ingebouwde PostgreSQL van een vorige, hard afgebroken start draaide nog (proces ${postgres.pid}): netjes afgesloten en opnieuw gestart.`,
    );
    expect(second.output()).not.toContain("Eerste beheerder");
    expect(stillRunning([postgres])).toEqual([]);
    await page.goto(`${second.url}/login`);
    await page.getByLabel("E-mailadres").fill(email);
    await page.getByLabel("Wachtwoord").fill(password);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
    await stopAndExpectNothingLeft(second, "SIGTERM to npm", [...ports]);
    expect(processesMentioning(dataDir)).toEqual([]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a PORT that is taken: npm start says so, naming PORT, exits with status 1 and leaves nothing running", async () => {
  const database = await freshDatabase();
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, resolve));
  try {
    const started = spawnPostkamer({ DATABASE_URL: database.url }, port);
    const code = await Promise.race([started.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 60_000))]);
    expect(code).toBe(1);
    expect(started.output()).toContain(`Poort ${port} (PORT=${port}) is al in gebruik`);
    expect(started.output()).not.toContain("Postkamer draait op");
    expect(started.output().trim().split("\n").at(-1)).toBe("Postkamer is gestopt.");
    expect(started.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(processTree(started.npm.pid!)).toEqual([]);
    // Nothing was started: not even the migrations ran.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const tables = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = '_prisma_migrations'");
    await client.end();
    expect(tables.rowCount).toBe(0);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    await database.drop();
  }
});

test("in production mode it refuses to start without AUTH_SECRET and ENCRYPTION_KEY", async () => {
  const child = spawn("npm", ["start"], {
    env: { ...process.env, NODE_ENV: "production", AUTH_SECRET: "", ENCRYPTION_KEY: "", npm_config_update_notifier: "false" } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  expect(code).toBe(1);
  expect(output).toContain("Refusing to start in production without AUTH_SECRET and ENCRYPTION_KEY");
});
