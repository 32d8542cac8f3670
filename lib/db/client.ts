import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client.ts";

/**
 * One Prisma client per process, kept on globalThis because Next.js dev reloads and
 * instrumentation may evaluate this module more than once.
 *
 * Pool: `pg` defaults to 10 connections and no acquire timeout, so a saturated pool would wait
 * forever. DB_POOL_MAX (default 10) plus pg-boss's pool (see lib/jobs/boss.ts) per process must
 * stay under Postgres' max_connections (100) across all processes.
 */
type Db = InstanceType<typeof PrismaClient>;

const globalForDb = globalThis as typeof globalThis & { postkamerDb?: Db };

export function createDb(connectionString: string, max = Number(process.env.DB_POOL_MAX ?? 10)): Db {
  const adapter = new PrismaPg({
    connectionString,
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  const client = new PrismaClient({ adapter });
  connectionStrings.set(client, connectionString);
  return client;
}

const connectionStrings = new WeakMap<Db, string>();
const outcomePools = new WeakMap<Db, pg.Pool>();

/**
 * A small `pg` pool beside a Prisma client, for the delivery engine's one hot write: recording
 * each hand-over before its lane starts the next (lib/delivery/record.ts). One parameterised
 * statement per group, without the ORM's per-query work, and with `synchronous_commit = off`: a
 * worker crash loses nothing committed, and a PostgreSQL crash (losing at most the last ~0.6 s
 * of such records) leaves those messages "on the wire", to be sent again marked as possible
 * duplicates — the same policy as a worker crash.
 */
export function outcomeWriter(prisma: Db): pg.Pool {
  let pool = outcomePools.get(prisma);
  if (!pool) {
    const connectionString = connectionStrings.get(prisma);
    if (!connectionString) throw new Error("outcomeWriter needs a client made by createDb");
    pool = new pg.Pool({
      connectionString,
      max: 2,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      options: "-c synchronous_commit=off",
    });
    pool.on("error", () => undefined); // an idle connection that died is replaced on the next query
    outcomePools.set(prisma, pool);
  }
  return pool;
}

/** Closes the outcome writer of a client (with $disconnect, at shutdown). */
export async function closeOutcomeWriter(prisma: Db): Promise<void> {
  const pool = outcomePools.get(prisma);
  outcomePools.delete(prisma);
  await pool?.end();
}

export function db(): Db {
  if (!globalForDb.postkamerDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    globalForDb.postkamerDb = createDb(url);
  }
  return globalForDb.postkamerDb;
}

export type { Db };
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
