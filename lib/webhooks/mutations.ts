import { randomUUID } from "node:crypto";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { allowPrivateWebhookUrls } from "@/lib/config.ts";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box.ts";
import type { Db } from "@/lib/db/client.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import type { PgBoss } from "pg-boss";
import { QUEUES } from "@/lib/jobs/queues.ts";
import { logger } from "@/lib/log/logger.ts";
import type { HostResolver } from "@/lib/mailservers/host-guard.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { WEBHOOK_RETRY_WINDOW_MS, WEBHOOK_TIMEOUT_MS, webhookBackoffMs, type WebhookEventType } from "./events.ts";
import { checkWebhookUrl, MAX_SOCKETS_PER_TARGET, postWebhook, WebhookUrlError, type CheckedUrl } from "./send.ts";
import { generateWebhookSecret, SIGNATURE_HEADER, signatureHeader } from "./signature.ts";

/** The secret box is bound to its endpoint: a box copied to another endpoint does not open. */
const secretAad = (endpointId: string) => `WebhookEndpoint.secret:${endpointId}`;

/** Tests (and only they) pass their own resolver and private-address rule; otherwise the configuration decides. */
type GuardOptions = { resolver?: HostResolver; allowPrivate?: boolean };

async function checkedUrlOrUserError(url: string, options: GuardOptions) {
  try {
    return await checkWebhookUrl(url, { allowPrivate: options.allowPrivate ?? allowPrivateWebhookUrls(), resolver: options.resolver });
  } catch (error) {
    if (error instanceof WebhookUrlError) throw new UserError(`webhooks.urlProblem.${error.problem}`, {}, "url");
    throw error;
  }
}

async function endpointOf(prisma: Db | Prisma.TransactionClient, id: string) {
  const endpoint = await prisma.webhookEndpoint.findUnique({ where: { id }, include: { apiKey: { select: { name: true } } } });
  if (!endpoint) throw new UserError("webhooks.unknown", {}, undefined, 404);
  return endpoint;
}

/** Returns the signing secret exactly once; only its encrypted box is stored. */
export async function createWebhookEndpoint(prisma: Db, actor: Actor, input: { apiKeyId: string; url: string; events: string[] }, options: GuardOptions = {}) {
  const { url } = await checkedUrlOrUserError(input.url, options);
  const secret = generateWebhookSecret();
  const id = randomUUID();
  const endpoint = await prisma.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id: input.apiKeyId } });
    if (!key || key.revokedAt) throw new UserError("apiKeys.unknown", {}, undefined, 404);
    const created = await tx.webhookEndpoint.create({
      data: { id, apiKeyId: key.id, url: url.href, events: [...new Set(input.events)], secretBox: encryptSecret(secret, secretAad(id)) },
    });
    await recordAudit(tx, {
      actor,
      action: "apikey.webhook.create",
      entityType: "WebhookEndpoint",
      entityId: created.id,
      params: { name: key.name, url: created.url },
      after: { apiKeyId: key.id, url: created.url, events: created.events },
    });
    return created;
  });
  return { id: endpoint.id, url: endpoint.url, secret };
}

/** A new secret replaces the old one at once; returned exactly once. */
export async function rotateWebhookSecret(prisma: Db, actor: Actor, input: { id: string }) {
  const secret = generateWebhookSecret();
  await prisma.$transaction(async (tx) => {
    const endpoint = await endpointOf(tx, input.id);
    await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { secretBox: encryptSecret(secret, secretAad(endpoint.id)) } });
    await recordAudit(tx, {
      actor,
      action: "apikey.webhook.rotate",
      entityType: "WebhookEndpoint",
      entityId: endpoint.id,
      params: { name: endpoint.apiKey.name, url: endpoint.url },
    });
  });
  return { secret };
}

/** Disabled: no new events, and waiting deliveries wait (they go out when it is enabled again within their 24 h). */
export async function setWebhookEndpointActive(prisma: Db, actor: Actor, input: { id: string; active: boolean }) {
  return prisma.$transaction(async (tx) => {
    const endpoint = await endpointOf(tx, input.id);
    if (endpoint.active === input.active) return endpoint;
    const updated = await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { active: input.active } });
    await recordAudit(tx, {
      actor,
      action: input.active ? "apikey.webhook.enable" : "apikey.webhook.disable",
      entityType: "WebhookEndpoint",
      entityId: endpoint.id,
      params: { name: endpoint.apiKey.name, url: endpoint.url },
      before: { active: endpoint.active },
      after: { active: input.active },
    });
    return updated;
  });
}

export async function deleteWebhookEndpoint(prisma: Db, actor: Actor, input: { id: string }) {
  return prisma.$transaction(async (tx) => {
    const endpoint = await endpointOf(tx, input.id);
    await tx.webhookEndpoint.delete({ where: { id: endpoint.id } });
    await recordAudit(tx, {
      actor,
      action: "apikey.webhook.delete",
      entityType: "WebhookEndpoint",
      entityId: endpoint.id,
      params: { name: endpoint.apiKey.name, url: endpoint.url },
      before: { url: endpoint.url, events: endpoint.events },
    });
    return endpoint;
  });
}

/** Queues a `webhook.test` event for the endpoint, whatever it subscribed to (also when disabled: it is a test). */
export async function queueTestEvent(prisma: Db, input: { id: string }) {
  const endpoint = await endpointOf(prisma, input.id);
  const eventId = randomUUID();
  const type: WebhookEventType = "webhook.test";
  return prisma.webhookDelivery.create({
    data: {
      endpointId: endpoint.id,
      eventId,
      type,
      payload: { id: eventId, type, createdAt: new Date().toISOString(), data: { apiKey: endpoint.apiKey.name } },
    },
    select: { id: true, eventId: true },
  });
}

export type DispatchOptions = GuardOptions & {
  now?: () => Date;
  timeoutMs?: number;
  /** At most this many deliveries per run (each run claims and sends them concurrently). */
  limit?: number;
};

export type DispatchSummary = {
  /** Events moved from the outbox to deliveries before the round. */
  events: number;
  claimed: number;
  delivered: number;
  failed: number;
  dead: number;
  nextAttemptAt: Date | null;
};

type Claimed = {
  id: bigint;
  endpointId: string;
  eventId: string;
  type: string;
  /** The payload as stored: signed and sent as it is. */
  body: string;
  attempts: number;
  createdAt: Date;
  url: string;
  secretBox: string;
};

/** Deliveries claimed per round: sent concurrently, at most MAX_SOCKETS_PER_TARGET at once per endpoint. */
const ROUND_SIZE = 200;

type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string | null };

/**
 * Sends every delivery that is due, once. A round is one transaction that holds its deliveries'
 * row locks while it calls (FOR UPDATE SKIP LOCKED): several workers never send the same one at
 * once, and a worker that dies mid-call takes its locks with its connection, so the deliveries are
 * due again at once: at least once, same event id (receivers deduplicate on it). One write per
 * delivery: the outcome. A 2xx delivers; anything else (status, timeout, refused address) is
 * recorded and retried with backoff until 24 h after the event, then the delivery is DEAD.
 * Deliveries of a disabled endpoint are not claimed.
 *
 * Per round each endpoint's URL is checked (and its address pinned) and its secret opened once;
 * the calls reuse kept-alive connections, and the successes are recorded in one statement. That
 * keeps a busy endpoint's events cheap for the worker that also drains the mail (docs/benchmarks.md).
 */
export async function dispatchDueWebhooks(prisma: Db, options: DispatchOptions = {}): Promise<DispatchSummary> {
  const now = options.now ?? (() => new Date());
  const limit = options.limit ?? ROUND_SIZE;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const events = await fanOutWebhookEvents(prisma, limit);
  // Long enough for every call of the round to time out, MAX_SOCKETS_PER_TARGET at a time.
  const roundMs = (Math.ceil(limit / MAX_SOCKETS_PER_TARGET) + 1) * timeoutMs + 10_000;
  const summary = await prisma.$transaction(async (tx) => dispatchRound(tx, { ...options, now, limit, timeoutMs }), { timeout: roundMs, maxWait: 30_000 });
  return { ...summary, events };
}

/**
 * Moves up to `limit` events from the outbox (written by the OutboundMessage triggers, oldest
 * first) to their endpoints' deliveries, in one statement: the payload (the message's state at the
 * change, its recipients, no subject or body), the event id derived from (message, type, attempt,
 * status) so that the same change written twice queues nothing new, and createdAt the moment of
 * the change (the 24-hour retry window counts from it, and rounds send in its order). An event
 * goes to the endpoints of its API key that are active now, asked for its type and existed at the
 * change. Several dispatchers skip each other's events (SKIP LOCKED). Returns how many events it
 * moved.
 */
export async function fanOutWebhookEvents(prisma: Db | Prisma.TransactionClient, limit = ROUND_SIZE): Promise<number> {
  const [row] = await prisma.$queryRaw<{ events: bigint }[]>`
    WITH moved AS (
      DELETE FROM "WebhookEvent" WHERE id IN (SELECT id FROM "WebhookEvent" ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING *
    ), fanned AS (
      INSERT INTO "WebhookDelivery" ("endpointId", "eventId", "type", "payload", "createdAt", "nextAttemptAt")
      SELECT e.id, x.event_id, m.type,
        postkamer_webhook_payload(x.event_id, m.type, m."occurredAt", m."messageId", m.status, m.attempt, m."possibleDuplicate",
          m."serverId", n."to" || n."cc" || n."bcc", n."recipientCount", m."responseCode", m.response, m."nextAttemptAt", m."sentAt"),
        m."occurredAt", m."occurredAt"
      FROM moved m
      CROSS JOIN LATERAL (SELECT md5(m."messageId"::text || ':' || m.type || ':' || m.attempt || ':' || m.status)::uuid AS event_id) x
      JOIN "OutboundMessage" n ON n.id = m."messageId"
      JOIN "WebhookEndpoint" e ON e."apiKeyId" = m."apiKeyId" AND e.active AND m.type = ANY (e.events) AND e."createdAt" <= m."occurredAt"
      ORDER BY m.id
      ON CONFLICT ("endpointId", "eventId") DO NOTHING
    )
    SELECT count(*) AS events FROM moved`;
  return Number(row?.events ?? 0);
}

async function dispatchRound(
  tx: Prisma.TransactionClient,
  options: DispatchOptions & { now: () => Date; limit: number; timeoutMs: number },
): Promise<Omit<DispatchSummary, "events">> {
  const { now, limit } = options;
  // Each status read in nextAttemptAt order from the (status, nextAttemptAt) index, skipping what
  // other rounds hold, and merged (`status IN (…) ORDER BY nextAttemptAt` would read and sort every
  // due delivery in each round). What is locked beyond the round's limit is held until it ends.
  const claimed = await tx.$queryRaw<Claimed[]>`
    WITH pending AS (
      SELECT p.id FROM "WebhookDelivery" p JOIN "WebhookEndpoint" e ON e.id = p."endpointId"
      WHERE p.status = 'PENDING' AND p."nextAttemptAt" <= ${now()} AND e.active
      ORDER BY p."nextAttemptAt" LIMIT ${limit} FOR UPDATE OF p SKIP LOCKED
    ), failed AS (
      SELECT f.id FROM "WebhookDelivery" f JOIN "WebhookEndpoint" e ON e.id = f."endpointId"
      WHERE f.status = 'FAILED' AND f."nextAttemptAt" <= ${now()} AND e.active
      ORDER BY f."nextAttemptAt" LIMIT ${limit} FOR UPDATE OF f SKIP LOCKED
    )
    SELECT d.id, d."endpointId", d."eventId", d.type, d.payload::text AS body, d.attempts, d."createdAt", e.url, e."secretBox"
    FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e.id = d."endpointId"
    WHERE d.id IN (SELECT id FROM pending UNION ALL SELECT id FROM failed)
    ORDER BY d."nextAttemptAt" LIMIT ${limit}`;

  const byEndpoint = new Map<string, Claimed[]>();
  for (const delivery of claimed) {
    const group = byEndpoint.get(delivery.endpointId);
    if (group) group.push(delivery);
    else byEndpoint.set(delivery.endpointId, [delivery]);
  }
  const outcomes = new Map<Claimed, Outcome>();
  await Promise.all(
    [...byEndpoint.values()].map(async (deliveries) => {
      const first = deliveries[0]!;
      let send: (delivery: Claimed) => Promise<Outcome>;
      try {
        // Checked again every round: the name may point elsewhere since it was saved.
        const target = await checkWebhookUrl(first.url, { allowPrivate: options.allowPrivate ?? allowPrivateWebhookUrls(), resolver: options.resolver });
        const secret = decryptSecret(first.secretBox, secretAad(first.endpointId));
        send = (delivery) => attempt(target, secret, delivery, options.timeoutMs);
      } catch (error) {
        const refused = failure(error);
        send = async () => refused;
      }
      await Promise.all(deliveries.map(async (delivery) => outcomes.set(delivery, await send(delivery))));
    }),
  );

  const at = now();
  const delivered = claimed.filter((delivery) => outcomes.get(delivery)?.ok);
  if (delivered.length > 0) {
    await tx.$executeRaw`
      UPDATE "WebhookDelivery" d
      SET status = 'DELIVERED', attempts = d.attempts + 1, "lastStatusCode" = r.code, "lastError" = NULL, "lastAttemptAt" = ${at}
      FROM unnest(${delivered.map((d) => d.id.toString())}::bigint[], ${delivered.map((d) => outcomes.get(d)!.statusCode)}::int[]) AS r(id, code)
      WHERE d.id = r.id`;
  }

  const summary: Omit<DispatchSummary, "events"> = { claimed: claimed.length, delivered: delivered.length, failed: 0, dead: 0, nextAttemptAt: null };
  for (const delivery of claimed) {
    const result = outcomes.get(delivery)!;
    if (result.ok) continue;
    const attempts = delivery.attempts + 1;
    const next = new Date(at.getTime() + webhookBackoffMs(attempts));
    const dead = next.getTime() > delivery.createdAt.getTime() + WEBHOOK_RETRY_WINDOW_MS;
    if (dead) summary.dead++;
    else {
      summary.failed++;
      if (!summary.nextAttemptAt || next < summary.nextAttemptAt) summary.nextAttemptAt = next;
    }
    await tx.webhookDelivery.update({
      where: { id: delivery.id },
      data: { status: dead ? "DEAD" : "FAILED", attempts, lastStatusCode: result.statusCode, lastError: result.error, lastAttemptAt: at, nextAttemptAt: next },
    });
    logger[dead ? "warn" : "info"](dead ? "webhook delivery dead" : "webhook delivery failed", {
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      type: delivery.type,
      attempt: attempts,
      outcome: dead ? "dead" : "retry",
      statusCode: result.statusCode,
      error: result.error,
    });
  }
  return summary;
}

function failure(error: unknown): Outcome {
  const message = error instanceof WebhookUrlError ? `refused URL: ${error.problem}` : error instanceof Error ? error.message : String(error);
  return { ok: false, statusCode: null, error: message.slice(0, 500) };
}

async function attempt(target: CheckedUrl, secret: string, delivery: Claimed, timeoutMs: number): Promise<Outcome> {
  const { body } = delivery;
  try {
    const { statusCode } = await postWebhook(
      target,
      body,
      { [SIGNATURE_HEADER]: signatureHeader(secret, body), "Postkamer-Event-Id": delivery.eventId, "Postkamer-Event-Type": delivery.type },
      timeoutMs,
    );
    if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode };
    return { ok: false, statusCode, error: null };
  } catch (error) {
    return failure(error);
  }
}

/** Whether an event waits in the outbox or a delivery is due now (the worker's cheap check before it queues a dispatch job). */
export async function hasDueWebhooks(prisma: Db, now = new Date()): Promise<boolean> {
  const rows = await prisma.$queryRaw<unknown[]>`
    SELECT 1 WHERE EXISTS (SELECT 1 FROM "WebhookEvent" ORDER BY id LIMIT 1)
      OR EXISTS (SELECT 1 FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e.id = d."endpointId"
        WHERE d.status IN ('PENDING', 'FAILED') AND d."nextAttemptAt" <= ${now} AND e.active)`;
  return rows.length > 0;
}

/**
 * While the process delivers mail, a webhook round (of 50) is followed by a pause nine times its length:
 * webhooks take at most a tenth of the worker's time, and the mail they report on goes first. A
 * backlog built up meanwhile goes at full speed once the drains end (the bench reports what a
 * receiver waits: docs/benchmarks.md).
 */
const PAUSE_PER_ROUND_WHILE_DELIVERING = 9;
const ROUND_SIZE_WHILE_DELIVERING = 50;
const MAX_PAUSE_MS = 3_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The webhooks job: sends what is due (in rounds while rounds come back full), then queues a job for the next retry. */
export async function dispatchAndReschedule(prisma: Db, boss: PgBoss, options: DispatchOptions & { delivering?: () => boolean } = {}): Promise<void> {
  const limit = options.limit ?? ROUND_SIZE;
  let next: Date | null = null;
  for (let round = 0; round < 20; round++) {
    const started = performance.now();
    // Small rounds while delivering: a burst of calls delays the drain's lanes less.
    const delivering = options.delivering?.() ?? false;
    const size = delivering ? Math.min(limit, ROUND_SIZE_WHILE_DELIVERING) : limit;
    const summary = await dispatchDueWebhooks(prisma, { ...options, limit: size });
    if (summary.nextAttemptAt && (!next || summary.nextAttemptAt < next)) next = summary.nextAttemptAt;
    if (summary.claimed < size && summary.events < size) break;
    if (delivering) await pause(Math.min(MAX_PAUSE_MS, PAUSE_PER_ROUND_WHILE_DELIVERING * (performance.now() - started)));
  }
  if (next) await boss.send(QUEUES.webhooks, {}, { startAfter: next });
}

/** Asks for a dispatch now (the test button; the worker's due-check). */
export async function wakeWebhooks(boss: PgBoss): Promise<void> {
  // One job per 2-second slot is enough: each run sends everything due.
  await boss.send(QUEUES.webhooks, {}, { singletonKey: "webhooks-due", singletonSeconds: 2 });
}

/**
 * The worker's due-check: an index probe every 2 s, a job only when something is due. Events
 * are written by triggers in the delivery engine's own transactions, where queueing a job would
 * cost the hot path; this keeps that path untouched and a receiver hears within seconds.
 */
export function startWebhookWake(prisma: Db, boss: PgBoss, intervalMs = 2_000): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    hasDueWebhooks(prisma)
      .then((due) => (due ? wakeWebhooks(boss) : undefined))
      .catch((error: unknown) => logger.warn("webhook due-check failed", { error }))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
