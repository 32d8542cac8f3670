import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, openSync } from "node:fs";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

/** Environment for child processes; looser than NodeJS.ProcessEnv, whose NODE_ENV Next.js narrows. */
export type Env = Record<string, string | undefined>;
const asProcessEnv = (env: Env) => env as NodeJS.ProcessEnv;

const require = createRequire(import.meta.url);
const NEXT_BIN = require.resolve("next/dist/bin/next");

const BUILD_INPUTS = ["app", "lib", "public", "prisma/schema.prisma", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

/** A cheap fingerprint of what `next build` reads: paths, sizes and modification times. */
export async function sourceFingerprint(root: string): Promise<string> {
  const hash = createHash("sha256");
  async function walk(path: string): Promise<void> {
    if (!existsSync(path)) return;
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        await walk(join(path, entry));
      }
    } else {
      hash.update(`${relative(root, path)}:${info.size}:${Math.floor(info.mtimeMs)}\n`);
    }
  }
  for (const input of BUILD_INPUTS) await walk(join(root, input));
  return hash.digest("hex");
}

/** Runs `next build` unless the build in distDir was made from the same sources. */
export async function ensureBuild(root: string, distDir = ".next", log: (line: string) => void = console.log): Promise<void> {
  const marker = join(root, distDir, "postkamer-build.json");
  const fingerprint = await sourceFingerprint(root);
  if (existsSync(join(root, distDir, "BUILD_ID")) && existsSync(marker)) {
    const previous = JSON.parse(await readFile(marker, "utf8")) as { fingerprint?: string };
    if (previous.fingerprint === fingerprint) return;
  }
  log(`Building the web app (next build → ${distDir}); this takes a minute or two the first time…`);
  await run(process.execPath, [NEXT_BIN, "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, NODE_ENV: "production" } });
  // Fingerprint again: `next build` itself may rewrite tsconfig.json.
  await writeFile(marker, JSON.stringify({ fingerprint: await sourceFingerprint(root), builtAt: new Date().toISOString() }));
}

export function run(command: string, args: string[], options: { env?: Env; cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env: asProcessEnv(options.env ?? process.env), cwd: options.cwd });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${[command, ...args].join(" ")} exited with ${signal ?? code}`)),
    );
  });
}

/** Output to the terminal, or appended to a log file (the tests read it back to check for leaked secrets). */
function output(logFile?: string) {
  if (!logFile) return "inherit" as const;
  const fd = openSync(logFile, "a");
  return ["ignore", fd, fd] as ["ignore", number, number];
}

export function spawnWeb(options: { port: number; env: Env; dev?: boolean; distDir?: string; logFile?: string }): ChildProcess {
  const args = [NEXT_BIN, options.dev ? "dev" : "start", "-p", String(options.port)];
  return spawn(process.execPath, args, {
    stdio: output(options.logFile),
    env: asProcessEnv({ ...options.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: options.distDir ?? ".next", ...(options.dev ? {} : { NODE_ENV: "production" }) }),
  });
}

export function spawnWorker(options: { env: Env; logFile?: string }): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "lib/ops/worker.ts"], {
    stdio: output(options.logFile),
    env: asProcessEnv(options.env),
  });
}

/** Sends SIGTERM, waits, and SIGKILLs what is still alive after the grace period. */
export async function stopChildren(children: ChildProcess[], graceMs = 25_000): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
