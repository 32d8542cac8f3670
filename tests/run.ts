/**
 * `npm test`: lint, type-check, unit + integration tests (Vitest) and end-to-end tests
 * (Playwright in a real Chromium), against one throwaway database for the whole run.
 *
 *   npm test                 everything
 *   npm test -- --only unit  lint, types and Vitest
 *   npm test -- --only e2e   Playwright only
 *   npm test -- --only e2e mailservers   only files matching "mailservers"
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { migrate } from "@/lib/db/migrate.ts";
import { newEncryptionKey } from "@/lib/ops/secrets.ts";
import { ensureBuild, run, type Env, spawnWeb, spawnWorker, stopChildren, waitForHttp } from "@/lib/ops/processes.ts";
import { freePort, provisionTestDatabase, type TestDatabase } from "./support/test-database.ts";

const root = process.cwd();
const bin = (pkg: string, path: string) => join(root, "node_modules", pkg, path);
// `--only unit|e2e`; everything else (file filters, -t "name") goes to the test runners.
const args = process.argv.slice(2);
const onlyAt = args.indexOf("--only");
const only = (onlyAt >= 0 ? args[onlyAt + 1] : undefined) as "unit" | "e2e" | undefined;
const filters = onlyAt >= 0 ? [...args.slice(0, onlyAt), ...args.slice(onlyAt + 2)] : args;

const children: ChildProcess[] = [];
let database: TestDatabase | undefined;
const tally = { passed: 0, failed: 0, skipped: 0 };

async function step(name: string, fn: () => Promise<void>) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  await fn();
  console.log(`✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function cleanup() {
  await stopChildren(children, 10_000);
  await database?.dispose().catch((error: unknown) => console.error("could not remove the test database:", error));
  database = undefined;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

/** Playwright's own Chromium where installed, else Debian's; installs Debian's when root. */
async function findChromium(): Promise<string> {
  try {
    const { chromium } = await import("@playwright/test");
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // no bundled browser
  }
  const candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  if (process.getuid?.() === 0) {
    console.log("No Chromium found: installing Debian's chromium package…");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  }
  throw new Error("No Chromium: install Playwright's browser or Debian's `chromium` package.");
}

async function countResults(file: string, kind: "vitest" | "playwright") {
  const report = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  if (kind === "vitest") {
    tally.passed += Number(report.numPassedTests ?? 0);
    tally.failed += Number(report.numFailedTests ?? 0);
    tally.skipped += Number(report.numPendingTests ?? 0) + Number(report.numTodoTests ?? 0);
  } else {
    const stats = report.stats as { expected?: number; unexpected?: number; skipped?: number; flaky?: number };
    tally.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    tally.failed += stats.unexpected ?? 0;
    tally.skipped += stats.skipped ?? 0;
  }
}

async function main() {
  const node = process.execPath;
  // POSTKAMER_TEST_OUT lets two runs share a checkout: each keeps its own reports and build.
  const runName = process.env.POSTKAMER_TEST_OUT;
  const reports = join(root, runName ? `test-results-${runName}` : "test-results");
  const distDir = runName ? `.next-test-${runName}` : ".next-test";
  await rm(reports, { recursive: true, force: true });

  if (only !== "e2e") {
    await step("lint (eslint)", () => run(node, [bin("eslint", "bin/eslint.js"), "--max-warnings=0", "."]));
    await step("format (prettier --check; `npm run format` fixes)", () => run(node, [bin("prettier", "bin/prettier.cjs"), "--check", "--log-level=warn", "."]));
    await step("type-check (tsc)", () => run(node, [bin("typescript", "bin/tsc"), "--noEmit", "-p", "."]));
  }

  await step("test database", async () => {
    database = await provisionTestDatabase();
    console.log(`  using ${database.description}`);
    await migrate(database.url);
  });
  const env: Env = {
    ...process.env,
    DATABASE_URL: database!.url,
    AUTH_SECRET: randomBytes(32).toString("hex"),
    ENCRYPTION_KEY: newEncryptionKey("test"),
    POSTKAMER_EMBEDDED: "0",
    NODE_ENV: "test",
  };

  let failed = false;
  if (only !== "e2e") {
    await step("unit and integration tests (vitest)", async () => {
      const out = join(reports, "vitest.json");
      await run(node, [bin("vitest", "vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile=${out}`, ...filters], { env }).catch(() => {
        failed = true;
      });
      if (existsSync(out)) await countResults(out, "vitest");
    });
  }

  if (only !== "unit") {
    await step("end-to-end tests (playwright)", async () => {
      const chromium = await findChromium();
      console.log(`  browser: ${chromium}`);
      await ensureBuild(root, distDir);
      const port = await freePort();
      const baseUrl = `http://localhost:${port}`;
      // The test SMTP servers listen on loopback, which the SSRF guard refuses unless allowed.
      // The DNS server and the MX host of the sender tests are started by the specs on these ports.
      const [dnsPort, mxPort] = [await freePort(), await freePort()];
      const appEnv = {
        ...env,
        NODE_ENV: "production",
        NEXTAUTH_URL: baseUrl,
        PORT: String(port),
        ALLOW_PRIVATE_SMTP_HOSTS: "1",
        ALLOW_PRIVATE_WEBHOOK_URLS: "1",
        DNS_SERVERS: `127.0.0.1:${dnsPort}`,
        MX_PORT: String(mxPort),
        RETRY_BASE_SECONDS: "1",
      };
      const logFile = join(reports, "app.log");
      await mkdir(reports, { recursive: true });
      console.log(`  app and worker log: ${logFile}`);
      children.push(spawnWeb({ port, env: appEnv, distDir, logFile }));
      children.push(spawnWorker({ env: appEnv, logFile }));
      await waitForHttp(`${baseUrl}/login`);
      const out = join(reports, "playwright.json");
      await run(node, [bin("@playwright/test", "cli.js"), "test", ...filters], {
        env: {
          ...appEnv,
          E2E_BASE_URL: baseUrl,
          E2E_APP_LOG: logFile,
          // For a spec that needs a second app instance on the same build (accessibility.spec.ts: the Postvak).
          E2E_DIST_DIR: distDir,
          E2E_DNS_PORT: String(dnsPort),
          E2E_MX_PORT: String(mxPort),
          E2E_CHROMIUM_PATH: chromium,
          PLAYWRIGHT_JSON_OUTPUT_NAME: out,
          E2E_OUTPUT_DIR: join(reports, "playwright"),
        },
      }).catch(() => {
        failed = true;
      });
      if (existsSync(out)) await countResults(out, "playwright");
    });
  }

  await cleanup();
  console.log(`\nSummary: ${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ""}`);
  if (failed || tally.failed > 0 || tally.skipped > 0 || tally.passed === 0) process.exit(1);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await cleanup();
  process.exit(1);
});
