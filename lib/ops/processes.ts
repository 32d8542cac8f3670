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
// Loaded into the web app and the worker: they stop themselves when the process that started them is gone.
const PARENT_WATCH = new URL("./parent-watch.mjs", import.meta.url).href;
/** Children started as leaders of their own process group; they are signalled as a group. */
const groupLeaders = new WeakSet<ChildProcess>();

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

/** Runs `next build` unless the build in distDir was made from the same sources; `signal` aborts the build. */
export async function ensureBuild(root: string, distDir = ".next", log: (line: string) => void = console.log, signal?: AbortSignal): Promise<void> {
  const marker = join(root, distDir, "postkamer-build.json");
  const fingerprint = await sourceFingerprint(root);
  if (existsSync(join(root, distDir, "BUILD_ID")) && existsSync(marker)) {
    const previous = JSON.parse(await readFile(marker, "utf8")) as { fingerprint?: string };
    if (previous.fingerprint === fingerprint) return;
  }
  log(`Building the web app (next build → ${distDir}); this takes a minute or two the first time…`);
  await run(process.execPath, [NEXT_BIN, "build"], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, NODE_ENV: "production" },
    signal,
  });
  // Fingerprint again: `next build` itself may rewrite tsconfig.json.
  await writeFile(marker, JSON.stringify({ fingerprint: await sourceFingerprint(root), builtAt: new Date().toISOString() }));
}

export function run(command: string, args: string[], options: { env?: Env; cwd?: string; signal?: AbortSignal } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env: asProcessEnv(options.env ?? process.env), cwd: options.cwd, signal: options.signal });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${[command, ...args].join(" ")} exited with ${signal ?? code}`))));
  });
}

/** Output to the terminal, or appended to a log file (the tests read it back to check for leaked secrets). */
function output(logFile?: string) {
  if (!logFile) return "inherit" as const;
  const fd = openSync(logFile, "a");
  return ["ignore", fd, fd] as ["ignore", number, number];
}

type ChildOptions = {
  env: Env;
  logFile?: string;
  /**
   * Its own process group (and session), so that a Ctrl-C in the terminal reaches only the
   * supervisor, which then stops the children in order; see lib/ops/start.ts.
   */
  ownProcessGroup?: boolean;
};

function spawnChild(args: string[], options: ChildOptions): ChildProcess {
  const child = spawn(process.execPath, ["--import", PARENT_WATCH, ...args], {
    stdio: output(options.logFile),
    env: asProcessEnv(options.env),
    detached: options.ownProcessGroup ?? false,
  });
  if (options.ownProcessGroup) groupLeaders.add(child);
  return child;
}

/** The production web process: Next.js behind Postkamer's own server, which answers the submission API itself (lib/ops/web-server.ts). */
export const WEB_SERVER_ARGS = ["--import", "tsx", "lib/ops/web-server.ts"];

/**
 * The production web server (or `next dev`) on `port`, on the interface HOST names when set;
 * without it on every interface, which a container needs but a host behind a local reverse proxy does not.
 */
export function webServerArgs(options: { port: number; dev?: boolean; host?: string }): string[] {
  const host = options.host?.trim();
  const command = options.dev ? [NEXT_BIN, "dev"] : WEB_SERVER_ARGS;
  return [...command, "-p", String(options.port), ...(host ? ["-H", host] : [])];
}

export function spawnWeb(options: ChildOptions & { port: number; dev?: boolean; distDir?: string }): ChildProcess {
  const args = webServerArgs({ port: options.port, dev: options.dev, host: options.env.HOST });
  const env = { ...options.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: options.distDir ?? ".next", ...(options.dev ? {} : { NODE_ENV: "production" }) };
  return spawnChild(args, { ...options, env });
}

/**
 * The worker's V8 settings, sized for what it holds rather than for the machine (measured in
 * docs/benchmarks.md, "Worker memory").
 * - Left to itself, V8 gives a large host 64 MB semi-spaces (128 MB of young generation). Because
 *   the heap limit is then above 2 GB, it also lets the old generation grow to 4× its live data
 *   before a full collection. The worker keeps about 40 MB alive, and what it promotes (mostly
 *   nodemailer's per-message streams) dies soon after. So a draining worker peaked at 470 MB RSS.
 *   With 16 MB semi-spaces and a 1 GB old-space limit (what a 4 GB machine gets by default), V8
 *   grows the old generation about 1.6× instead: 240 MB. 8 MB semi-spaces saved 15 MB more but
 *   cost twice the extra GC CPU (worker CPU +18 % on average instead of +8 %).
 * - `--liftoff-only`: Prisma's query compiler is WebAssembly. Its hot functions were recompiled
 *   by TurboFan a second after the first query, a 30 MB burst that set the idle worker's peak.
 *   Baseline code only costs about 0.1 ms per Prisma query, and the drain makes about ten per
 *   500 messages. processes.test.ts checks that this Node still accepts the flags.
 */
export const WORKER_V8_FLAGS = ["--max-semi-space-size=16", "--max-old-space-size=1024", "--liftoff-only"];

/** How a worker process is started; `npm run worker` says the same (processes.test.ts checks). */
export const WORKER_ARGS = [...WORKER_V8_FLAGS, "--import", "tsx", "lib/ops/worker.ts"];

export function spawnWorker(options: ChildOptions): ChildProcess {
  return spawnChild(WORKER_ARGS, options);
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

/** A group leader is signalled with its group, so whatever it started stops with it. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (groupLeaders.has(child) && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** Sends SIGTERM, waits, and SIGKILLs what is still alive after the grace period. */
export function stopChild(child: ChildProcess, graceMs = 25_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (hasExited(child)) return resolve();
    const timer = setTimeout(() => signalChild(child, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    signalChild(child, "SIGTERM");
  });
}

/** Stops all children at once (the test runner's web app and worker). */
export async function stopChildren(children: ChildProcess[], graceMs = 25_000): Promise<void> {
  await Promise.all(children.map((child) => stopChild(child, graceMs)));
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
