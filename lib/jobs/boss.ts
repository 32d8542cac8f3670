import { PgBoss } from "pg-boss";
import { logger } from "@/lib/log/logger.ts";
import { ensureQueues } from "./queues.ts";

/**
 * pg-boss lives in the same PostgreSQL as the data (schema `pgboss`), so a message and its
 * delivery job can be written in one transaction. Web processes use it only to enqueue and to
 * read the instance registry (supervise/schedule off); the worker process runs maintenance.
 *
 * Connection budget per process: pg-boss pool (max below) + the Prisma pool (DB_POOL_MAX).
 */
export type Role = "web" | "worker";

const globalForBoss = globalThis as typeof globalThis & { postkamerBoss?: Promise<PgBoss> };

export const WORKER_INSTANCE_NAME = "postkamer-worker";

export function createBoss(connectionString: string, role: Role): PgBoss {
  const boss = new PgBoss({
    connectionString,
    max: role === "worker" ? 6 : 3,
    application_name: `postkamer-${role}`,
    supervise: role === "worker",
    schedule: role === "worker",
    migrate: true,
    instanceName: role === "worker" ? WORKER_INSTANCE_NAME : "postkamer-web",
    instanceHeartbeatSeconds: 10,
  });
  boss.on("error", (error) => logger.error("pg-boss error", { role, error }));
  return boss;
}

/** The web process's shared instance, started on first use. */
export function webBoss(): Promise<PgBoss> {
  globalForBoss.postkamerBoss ??= (async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    const boss = createBoss(url, "web");
    await boss.start();
    // The web process enqueues; the queues must exist even before a worker has started.
    await ensureQueues(boss);
    return boss;
  })().catch((error) => {
    globalForBoss.postkamerBoss = undefined;
    throw error;
  });
  return globalForBoss.postkamerBoss;
}
