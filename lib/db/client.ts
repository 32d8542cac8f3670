import { PrismaPg } from "@prisma/adapter-pg";
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
  return new PrismaClient({ adapter });
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
