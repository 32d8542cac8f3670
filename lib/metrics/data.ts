import "server-only";
import { Gauge, Registry } from "prom-client";
import { db, type Db } from "@/lib/db/client.ts";
import { logger } from "@/lib/log/logger.ts";
import { isMetricsTokenValid, processMetrics } from "./registry.ts";

/**
 * The metrics that come from the database, read at scrape time: one truth for every process, so
 * several workers (or a restarted one) never split or reset a count. A few grouped queries on
 * indexed columns; the message counts cover what the delivery log keeps (LOG_RETENTION_DAYS), so
 * they are gauges, and Prometheus' `delta()`/`increase()` over them works between prunes.
 */
const WAITING = ["QUEUED", "DEFERRED", "RETRYING", "SENDING"];

type ServerRow = { id: string; name: string; paused: boolean; deferredUntil: Date | null };

export async function databaseMetrics(prisma: Db, now = new Date()): Promise<Registry> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });

  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [servers, messages, recent, oldest, hits, workers, jobs, webhooks, webhookOldest] = await Promise.all([
    prisma.$queryRaw<ServerRow[]>`SELECT id::text, name, "pausedAt" IS NOT NULL AS paused, "deferredUntil" FROM "MailServer"`,
    // Counts only: an index-only scan of (serverId, status, seq); summing recipients here would read every row.
    prisma.$queryRaw<{ serverId: string | null; status: string; messages: bigint }[]>`
      SELECT "serverId"::text AS "serverId", status::text, count(*) AS messages FROM "OutboundMessage" GROUP BY 1, 2`,
    // Recipients per outcome over the last 24 hours (the window providers count in): the rows changed since then.
    prisma.$queryRaw<{ serverId: string | null; status: string; recipients: bigint }[]>`
      SELECT "serverId"::text AS "serverId", status::text, coalesce(sum("recipientCount"), 0) AS recipients
      FROM "OutboundMessage" WHERE "updatedAt" > ${since} GROUP BY 1, 2`,
    prisma.$queryRaw<{ serverId: string | null; oldest: Date }[]>`
      SELECT "serverId"::text AS "serverId", min("createdAt") AS oldest FROM "OutboundMessage"
      WHERE status = ANY(${WAITING}::"MessageStatus"[]) GROUP BY 1`,
    prisma.$queryRaw<{ serverId: string; reason: string; hits: bigint }[]>`
      SELECT "serverId"::text AS "serverId", reason, count(*) AS hits FROM "LimitHit" GROUP BY 1, 2`,
    prisma.$queryRaw<{ id: string; heartbeatAt: Date }[]>`SELECT id, "heartbeatAt" FROM "WorkerProcess"`,
    prisma.$queryRaw<{ name: string; state: string; jobs: bigint }[]>`
      SELECT name, state::text, count(*) AS jobs FROM pgboss.job WHERE state::text IN ('created', 'retry', 'active') GROUP BY 1, 2`.catch(() => []),
    prisma.$queryRaw<{ status: string; deliveries: bigint }[]>`SELECT status::text, count(*) AS deliveries FROM "WebhookDelivery" GROUP BY 1`,
    // The oldest event not yet delivered: a delivery waiting, or an event still in the outbox (not yet fanned out).
    prisma.$queryRaw<{ oldest: Date | null }[]>`
      SELECT least(
        (SELECT min("createdAt") FROM "WebhookDelivery" WHERE status IN ('PENDING', 'FAILED')),
        (SELECT "occurredAt" FROM "WebhookEvent" ORDER BY id LIMIT 1)) AS oldest`,
  ]);

  const names = new Map(servers.map((s) => [s.id, s.name]));
  const server = (id: string | null) => ({ server_id: id ?? "platform", server: id ? (names.get(id) ?? id) : "platform" });

  const queued = gauge("postkamer_queue_messages", "Messages waiting for delivery (queued, deferred, retrying, on the wire) per server", [
    "server_id",
    "server",
  ]);
  const oldestAge = gauge("postkamer_queue_oldest_age_seconds", "Age of the oldest message still waiting per server", ["server_id", "server"]);
  const byStatus = gauge("postkamer_messages", "Messages in the delivery log per server and status (SENT and PARTIALLY_SENT are the hand-overs)", [
    "server_id",
    "server",
    "status",
  ]);
  const recipients = gauge("postkamer_message_recipients_24h", "Recipients of the messages whose status changed in the last 24 hours, per server and status", [
    "server_id",
    "server",
    "status",
  ]);
  const limitHits = gauge("postkamer_limit_hits", "Limit episodes per server and reason (WINDOW_FULL deferrals, THROTTLE_REPLY, PAUSED)", [
    "server_id",
    "server",
    "reason",
  ]);
  const paused = gauge("postkamer_server_paused", "1 while the server is paused (credentials, TLS or configuration fault)", ["server_id", "server"]);
  const deferred = gauge("postkamer_server_deferred_seconds", "Seconds until a deferred server may be tried again (0 when not waiting)", [
    "server_id",
    "server",
  ]);
  const heartbeat = gauge("postkamer_worker_heartbeat_age_seconds", "Seconds since each worker process last renewed its liveness (drain leases)", ["worker"]);
  const workersAlive = gauge("postkamer_workers", "Worker processes with a heartbeat in the last 30 seconds", []);
  const boss = gauge("postkamer_jobs", "pg-boss jobs waiting or running per queue and state", ["queue", "state"]);
  const hooks = gauge("postkamer_webhook_deliveries", "Webhook deliveries per status (DEAD: given up after 24 h)", ["status"]);
  const hookAge = gauge("postkamer_webhook_oldest_pending_age_seconds", "Age of the oldest webhook event not yet delivered", []);

  for (const s of servers) {
    queued.set(server(s.id), 0);
    paused.set(server(s.id), s.paused ? 1 : 0);
    deferred.set(server(s.id), s.deferredUntil && s.deferredUntil > now ? (s.deferredUntil.getTime() - now.getTime()) / 1000 : 0);
  }
  const queueTotals = new Map<string | null, number>();
  for (const row of messages) {
    byStatus.set({ ...server(row.serverId), status: row.status }, Number(row.messages));
    if (WAITING.includes(row.status)) queueTotals.set(row.serverId, (queueTotals.get(row.serverId) ?? 0) + Number(row.messages));
  }
  for (const [id, count] of queueTotals) queued.set(server(id), count);
  for (const row of recent) recipients.set({ ...server(row.serverId), status: row.status }, Number(row.recipients));
  for (const row of oldest) oldestAge.set(server(row.serverId), Math.max(0, (now.getTime() - row.oldest.getTime()) / 1000));
  for (const row of hits) limitHits.set({ ...server(row.serverId), reason: row.reason }, Number(row.hits));
  for (const w of workers) heartbeat.set({ worker: w.id }, Math.max(0, (now.getTime() - w.heartbeatAt.getTime()) / 1000));
  workersAlive.set(workers.filter((w) => now.getTime() - w.heartbeatAt.getTime() < 30_000).length);
  for (const row of jobs) boss.set({ queue: row.name, state: row.state }, Number(row.jobs));
  for (const status of ["PENDING", "DELIVERED", "FAILED", "DEAD"]) hooks.set({ status }, 0);
  for (const row of webhooks) hooks.set({ status: row.status }, Number(row.deliveries));
  hookAge.set(webhookOldest[0]?.oldest ? (now.getTime() - webhookOldest[0].oldest.getTime()) / 1000 : 0);
  return registry;
}

/**
 * `GET /api/metrics`' answer for a configured token (undefined: the route does not exist, 404).
 * A wrong or missing bearer token is a 401 and reads nothing.
 */
export async function answerMetrics(request: Request, token: string | undefined, prisma: Db = db()): Promise<Response> {
  if (!token) return new Response("Not Found", { status: 404 });
  if (!isMetricsTokenValid(request.headers.get("authorization"), token)) {
    return new Response("Unauthorized", { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
  }
  try {
    const processRegistry = processMetrics().registry;
    const fromDatabase = await databaseMetrics(prisma);
    const text = `${await processRegistry.metrics()}\n${await fromDatabase.metrics()}`;
    return new Response(text, { headers: { "content-type": processRegistry.contentType, "cache-control": "no-store" } });
  } catch (error) {
    logger.error("metrics scrape failed", { error });
    return new Response("metrics unavailable", { status: 500 });
  }
}
