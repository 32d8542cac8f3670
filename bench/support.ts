import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Db } from "@/lib/db/client.ts";
import { WORKER_ARGS, type Env } from "@/lib/ops/processes.ts";

/**
 * Shared plumbing of the benchmarks: child processes that are always cleaned up, worker
 * processes, peak-RSS sampling, percentiles and the mail-server rows.
 */

const children = new Set<ChildProcess>();

/** Registers a child so that cleanup (also on Ctrl-C or a failure) stops it. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 8_000): Promise<void> {
  return new Promise((resolve) => {
    if (!alive(child)) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function stopAllChildren(graceMs = 8_000): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

/** Last resort when the bench process itself is going away: no child may outlive it. */
export function killAllChildrenNow(): void {
  for (const child of children) if (alive(child)) child.kill("SIGKILL");
}

export type Worker = { child: ChildProcess; started: Promise<void>; logFile: string };

/**
 * A worker process exactly as production starts it (`node`, WORKER_ARGS: its heap flags, `--import tsx lib/ops/worker.ts`).
 * Its output goes to a log file; `started` resolves on its "worker started" line.
 */
export function startWorker(env: Env, logFile: string): Worker {
  // BENCH_CPU_PROF=1: each worker writes a V8 CPU profile (.cpuprofile) next to its log on exit.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${dirname(logFile)}`] : [];
  const child = track(
    spawn(process.execPath, [...profile, ...WORKER_ARGS], {
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const started = new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString("utf8")).slice(-4096);
      if (seen.includes('"worker started"')) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before it started; see ${logFile}`)));
  });
  started.catch(() => {});
  child.once("exit", () => log.end());
  return { child, started, logFile };
}

/** Peak resident set size of a live process in MB (VmHWM), or null when it is gone. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(path, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a live process has used, from /proc/<pid>/stat (in USER_HZ, 100 per second); null when it is gone. */
export function cpuSeconds(pid: number | undefined): number | null {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : null;
}

/** The fields of /proc/<pid>/stat after the command name (field 3 onward), or null. */
function statFields(pid: number | undefined): string[] | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * CPU seconds of the PostgreSQL server on this machine: every live `postgres` process, plus what
 * they collected from children that exited (the postmaster's cutime/cstime: backends of closed
 * connections). Null without /proc.
 */
export function postgresCpuSeconds(): number | null {
  let pids: number[];
  try {
    pids = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return null;
  }
  let total = 0;
  for (const pid of pids) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (comm !== "postgres") continue;
    const fields = statFields(pid);
    if (fields) total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  }
  return total;
}

/** Samples VmHWM every second so the peak is known even if the process is gone at the end. */
export function rssSampler(pid: number | undefined) {
  let peak = 0;
  const sample = () => {
    const value = peakRssMb(pid);
    if (value !== null) peak = Math.max(peak, value);
  };
  sample();
  const timer = setInterval(sample, 1000);
  return {
    stop(): number {
      sample();
      clearInterval(timer);
      return Math.round(peak * 10) / 10;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `sample` now and every `ms` until stopped; a sample still running is not started again, and
 * a failed one is only a missed sample. `stop` waits for the one in flight.
 */
export function sampleEvery(ms: number, sample: () => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= sample()
      .catch(() => {})
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, ms);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export type BenchContext = {
  root: string;
  prisma: Db;
  databaseUrl: string;
  /** Environment for worker and web processes. */
  env: Env;
  logDir: string;
  log: (line: string) => void;
};

export function logPath(ctx: BenchContext, name: string): string {
  return join(ctx.logDir, name);
}

/**
 * A customer server on loopback without TLS or AUTH (the sink offers neither), with the given
 * limits and pooled connections.
 */
export async function benchServer(
  prisma: Db,
  options: {
    name: string;
    port: number;
    maxConnections: number;
    limits?: { count: number; window: "SECOND" | "MINUTE" | "HOUR" | "DAY"; windowSize?: number; unit: "MESSAGES" | "RECIPIENTS" }[];
    deferredUntil?: Date;
  },
) {
  return prisma.mailServer.create({
    data: {
      name: options.name,
      type: "GENERIC",
      host: "127.0.0.1",
      port: options.port,
      tlsMode: "NONE",
      verifyCertificate: false,
      authMethod: "NONE",
      managedBy: "WERKGEVER",
      maxConnections: options.maxConnections,
      deferredUntil: options.deferredUntil ?? null,
      deferredReason: options.deferredUntil ? "bench: waits" : null,
      limits: { create: (options.limits ?? []).map((l) => ({ count: l.count, window: l.window, windowSize: l.windowSize ?? 1, unit: l.unit })) },
    },
  });
}

/** Messages of a server per status. */
export async function statusCounts(prisma: Db, serverId: string): Promise<Record<string, number>> {
  const rows = await prisma.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT status::text AS status, count(*) AS n FROM "OutboundMessage" WHERE "serverId" = ${serverId}::uuid GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
