import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { outcomeWriter } from "@/lib/db/client.ts";
import { UserError } from "@/lib/ui/errors.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  dispatchDueWebhooks,
  fanOutWebhookEvents,
  hasDueWebhooks,
  queueTestEvent,
  rotateWebhookSecret,
} from "@/lib/webhooks/mutations.ts";
import { messageEventSchema, testEventSchema } from "@/lib/webhooks/schema.ts";
import { signatureHeader, verifyWebhookSignature } from "@/lib/webhooks/signature.ts";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Webhooks end to end below the UI: events written to the outbox by the database triggers in the
 * transaction that changes a message, fanned out to deliveries and sent by the dispatcher to a real loopback HTTP receiver, signed,
 * retried with backoff, dead after 24 hours, and refused for private addresses.
 */
const actor = { id: null, label: "test" };
const SUBJECT = "Verzuimmelding Jan de Vries";
const BODY = "Vertrouwelijke inhoud over de gezondheid van Jan";

type Received = { headers: IncomingMessage["headers"]; body: string };
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let answer: "200" | "500" | "hang" = "200";

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      if (answer === "hang") return; // never answers: the sender's timeout must end it
      response.writeHead(answer === "200" ? 200 : 500).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

let apiKeyId: string;
beforeEach(async () => {
  await resetDatabase();
  received = [];
  answer = "200";
  apiKeyId = (await createApiKey(testDb(), actor, { name: "applicatie" })).id;
});

const loopback = { allowPrivate: true } as const;

async function endpoint(events: string[] = ["message.accepted", "message.sent", "message.deferred", "message.failed", "message.possible_duplicate"]) {
  return createWebhookEndpoint(testDb(), actor, { apiKeyId, url: receiverUrl, events }, loopback);
}

async function message(keyId: string | null = apiKeyId) {
  return testDb().outboundMessage.create({
    data: {
      kind: "APPLICATION",
      apiKeyId: keyId,
      fromName: "Verzuim",
      fromAddress: "verzuim@klant.example",
      to: ["jan@example.nl"],
      cc: [],
      bcc: ["dossier@example.nl"],
      recipientCount: 2,
      subject: SUBJECT,
      text: BODY,
      html: `<p>${BODY}</p>`,
      messageIdHeader: "<m@klant.example>",
      giveUpAt: new Date(Date.now() + 48 * 3600_000),
    },
  });
}

describe("webhook signatures", () => {
  const secret = "whsec_test";
  const body = JSON.stringify({ id: "e1", type: "message.sent" });

  it("verifies a good signature", () => {
    expect(verifyWebhookSignature(secret, body, signatureHeader(secret, body))).toMatchObject({ ok: true });
  });

  it("refuses a tampered body or another secret", () => {
    const header = signatureHeader(secret, body);
    expect(verifyWebhookSignature(secret, body.replace("sent", "failed"), header)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhookSignature("whsec_other", body, header)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhookSignature(secret, body, "v1=abc")).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a signature older than the 5-minute replay window", () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect(verifyWebhookSignature(secret, body, signatureHeader(secret, body, sixMinutesAgo))).toEqual({ ok: false, reason: "expired" });
    expect(verifyWebhookSignature(secret, body, signatureHeader(secret, body, sixMinutesAgo + 120))).toMatchObject({ ok: true });
  });
});

describe("delivery events", () => {
  it("writes the events of a message's changes with it and sends them signed, without subject or body", async () => {
    const { secret } = await endpoint();
    const m = await message();
    // The engine's fast path writes plain successes with a raw statement: it emits too.
    await outcomeWriter(testDb()).query(`UPDATE "OutboundMessage" SET status = 'SENT', "sentAt" = now(), "lastResponseCode" = 250 WHERE id = $1`, [m.id]);

    expect(await hasDueWebhooks(testDb())).toBe(true); // in the outbox, not yet a delivery
    const summary = await dispatchDueWebhooks(testDb(), loopback);

    expect(summary).toMatchObject({ events: 2, claimed: 2, delivered: 2, failed: 0 });
    expect(await testDb().webhookEvent.count()).toBe(0);
    expect(await hasDueWebhooks(testDb())).toBe(false);
    const events = received.map((r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> });
    expect(events.map((e) => e.type).sort()).toEqual(["message.accepted", "message.sent"]);
    for (const r of received) {
      expect(verifyWebhookSignature(secret, r.body, r.headers["postkamer-signature"] as string)).toMatchObject({ ok: true });
      expect(r.body).not.toContain("Verzuimmelding");
      expect(r.body).not.toContain("Vertrouwelijke");
    }
    // Exactly what the OpenAPI document's webhooks section describes.
    for (const event of events) messageEventSchema.parse(event);
    const sent = events.find((e) => e.type === "message.sent")!;
    expect(sent.data).toMatchObject({ messageId: m.id, status: "SENT", recipients: ["jan@example.nl", "dossier@example.nl"], responseCode: 250 });
    expect(received[events.indexOf(sent)]!.headers["postkamer-event-id"]).toBe(sent.id);
    const rows = await testDb().webhookDelivery.findMany();
    expect(rows.every((row) => row.status === "DELIVERED" && row.attempts === 1 && row.lastStatusCode === 200)).toBe(true);
  });

  it("gives one change one event id: writing the same change again queues nothing new", async () => {
    await endpoint(["message.sent"]);
    const m = await message();
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "SENT" } });
    expect(await fanOutWebhookEvents(testDb())).toBe(1);
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "SENDING" } });
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "SENT" } });
    expect(await fanOutWebhookEvents(testDb())).toBe(1);

    const rows = await testDb().webhookDelivery.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe("message.sent");
  });

  it("writes an event only with its change: a change rolled back leaves none", async () => {
    await endpoint(["message.sent"]);
    const m = await message();
    await expect(
      testDb().$transaction(async (tx) => {
        await tx.outboundMessage.update({ where: { id: m.id }, data: { status: "SENT" } });
        expect(await tx.webhookEvent.count()).toBe(1); // written by the trigger, in this transaction
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await testDb().webhookEvent.count()).toBe(0);
  });

  it("fans an event out to the endpoints that existed at the change, with the change's time and state", async () => {
    await endpoint(["message.deferred"]);
    const m = await message();
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "DEFERRED", attemptCount: 1, lastResponse: "421 try later" } });
    const { occurredAt } = await testDb().webhookEvent.findFirstOrThrow({ select: { occurredAt: true } });
    // Another endpoint of the key, made after the change, and the message changed again since.
    await endpoint(["message.deferred"]);
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { lastResponse: "250 ok" } });

    expect(await fanOutWebhookEvents(testDb())).toBe(1);
    const rows = await testDb().webhookDelivery.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.createdAt).toEqual(occurredAt);
    const payload = messageEventSchema.parse(rows[0]!.payload);
    expect(payload).toMatchObject({
      type: "message.deferred",
      createdAt: occurredAt.toISOString(),
      data: { status: "DEFERRED", attempt: 1, response: "421 try later" },
    });
  });

  it("emits deferred, failed and possible-duplicate events, only those subscribed, and nothing without an endpoint", async () => {
    const unseen = await message();
    await testDb().outboundMessage.update({ where: { id: unseen.id }, data: { status: "FAILED" } });
    expect(await testDb().webhookEvent.count()).toBe(0);

    await endpoint(["message.deferred", "message.failed", "message.possible_duplicate"]);
    const m = await message();
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "RETRYING", attemptCount: 1 } });
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { possibleDuplicate: true } });
    await testDb().outboundMessage.update({ where: { id: m.id }, data: { status: "FAILED", attemptCount: 2 } });
    const noKey = await message(null);
    await testDb().outboundMessage.update({ where: { id: noKey.id }, data: { status: "FAILED" } });

    expect(await fanOutWebhookEvents(testDb())).toBe(3);
    const types = (await testDb().webhookDelivery.findMany({ orderBy: { id: "asc" } })).map((row) => row.type);
    expect(types).toEqual(["message.deferred", "message.possible_duplicate", "message.failed"]);
  });

  it("sends a test event whatever the endpoint subscribed to", async () => {
    const { id, secret } = await endpoint(["message.failed"]);
    const { eventId } = await queueTestEvent(testDb(), { id });
    await dispatchDueWebhooks(testDb(), loopback);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ id: eventId, type: "webhook.test" });
    testEventSchema.parse(JSON.parse(received[0]!.body));
    expect(verifyWebhookSignature(secret, received[0]!.body, received[0]!.headers["postkamer-signature"] as string).ok).toBe(true);
  });
});

describe("several dispatchers", () => {
  it("never send one delivery twice: a round holds its deliveries until it recorded them", async () => {
    const { id } = await endpoint();
    for (let i = 0; i < 30; i++) await queueTestEvent(testDb(), { id });
    const summaries = await Promise.all([1, 2, 3].map(() => dispatchDueWebhooks(testDb(), { ...loopback, limit: 20 })));
    expect(summaries.reduce((n, s) => n + s.delivered, 0)).toBe(30);
    const ids = received.map((r) => r.headers["postkamer-event-id"]);
    expect(new Set(ids).size).toBe(30);
    expect(ids).toHaveLength(30);
    expect(await testDb().webhookDelivery.count({ where: { status: "DELIVERED", attempts: 1 } })).toBe(30);
  });

  it("fan each outbox event out once", async () => {
    await endpoint(["message.accepted"]);
    for (let i = 0; i < 30; i++) await message();
    const moved = await Promise.all([1, 2, 3].map(() => fanOutWebhookEvents(testDb(), 20)));
    const rest = await fanOutWebhookEvents(testDb(), 20);
    expect(moved.reduce((n, m) => n + m, rest)).toBe(30);
    expect(await testDb().webhookDelivery.count()).toBe(30);
    expect(await testDb().webhookEvent.count()).toBe(0);
  });
});

describe("retries", () => {
  it("retries after a 500 with a doubling backoff and the same event id, then delivers", async () => {
    const { id } = await endpoint();
    await queueTestEvent(testDb(), { id });
    answer = "500";

    const t0 = Date.now();
    await dispatchDueWebhooks(testDb(), loopback);
    let row = await testDb().webhookDelivery.findFirstOrThrow();
    expect(row).toMatchObject({ status: "FAILED", attempts: 1, lastStatusCode: 500 });
    // 30 s ±20 %
    expect(row.nextAttemptAt.getTime() - t0).toBeGreaterThanOrEqual(24_000);
    expect(row.nextAttemptAt.getTime() - t0).toBeLessThanOrEqual(37_000);
    expect(await dispatchDueWebhooks(testDb(), loopback)).toMatchObject({ claimed: 0 }); // not due yet

    await testDb().webhookDelivery.update({ where: { id: row.id }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    const t1 = Date.now();
    await dispatchDueWebhooks(testDb(), loopback);
    row = await testDb().webhookDelivery.findFirstOrThrow();
    expect(row).toMatchObject({ status: "FAILED", attempts: 2, lastStatusCode: 500 });
    // 60 s ±20 %
    expect(row.nextAttemptAt.getTime() - t1).toBeGreaterThanOrEqual(48_000);
    expect(row.nextAttemptAt.getTime() - t1).toBeLessThanOrEqual(73_000);

    answer = "200";
    await testDb().webhookDelivery.update({ where: { id: row.id }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    await dispatchDueWebhooks(testDb(), loopback);
    row = await testDb().webhookDelivery.findFirstOrThrow();
    expect(row).toMatchObject({ status: "DELIVERED", attempts: 3, lastStatusCode: 200 });
    expect(new Set(received.map((r) => r.headers["postkamer-event-id"])).size).toBe(1);
  });

  it("counts a receiver that does not answer in time as failed, and retries it", async () => {
    const { id } = await endpoint();
    await queueTestEvent(testDb(), { id });
    answer = "hang";

    await dispatchDueWebhooks(testDb(), { ...loopback, timeoutMs: 300 });

    const row = await testDb().webhookDelivery.findFirstOrThrow();
    expect(row).toMatchObject({ status: "FAILED", attempts: 1, lastStatusCode: null });
    expect(row.lastError).toMatch(/no answer within 0.3 s/);
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it("gives up (dead letter) once the next attempt would fall beyond 24 hours after the event", async () => {
    const { id } = await endpoint();
    await queueTestEvent(testDb(), { id });
    answer = "500";
    await testDb().webhookDelivery.updateMany({ data: { createdAt: new Date(Date.now() - 24 * 3600_000 + 5_000), attempts: 29 } });

    expect(await dispatchDueWebhooks(testDb(), loopback)).toMatchObject({ claimed: 1, dead: 1 });
    expect(await testDb().webhookDelivery.findFirstOrThrow()).toMatchObject({ status: "DEAD", attempts: 30, lastStatusCode: 500 });
    expect(await dispatchDueWebhooks(testDb(), loopback)).toMatchObject({ claimed: 0 });
  });
});

describe("SSRF guard and secrets", () => {
  async function refusal(url: string, options: { allowPrivate: boolean; resolver?: { lookup: () => Promise<{ address: string; family: 4 }[]> } }) {
    const error = await createWebhookEndpoint(testDb(), actor, { apiKeyId, url, events: ["message.sent"] }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).messageKey;
  }

  it("refuses private addresses, plain http and other ports, and saves nothing", async () => {
    expect(await refusal("https://127.0.0.1/hooks", { allowPrivate: false })).toBe("webhooks.urlProblem.PRIVATE_ADDRESS");
    expect(await refusal("https://169.254.169.254/latest/meta-data", { allowPrivate: false })).toBe("webhooks.urlProblem.PRIVATE_ADDRESS");
    const rebinding = { lookup: async () => [{ address: "10.1.2.3", family: 4 as const }] };
    expect(await refusal("https://hooks.example.com/in", { allowPrivate: false, resolver: rebinding })).toBe("webhooks.urlProblem.PRIVATE_ADDRESS");
    expect(await refusal("http://hooks.example.com/in", { allowPrivate: false })).toBe("webhooks.urlProblem.HTTPS_REQUIRED");
    expect(await refusal("https://hooks.example.com:8443/in", { allowPrivate: false })).toBe("webhooks.urlProblem.PORT_NOT_ALLOWED");
    expect(await refusal("https://user:pw@hooks.example.com/in", { allowPrivate: false })).toBe("webhooks.urlProblem.INVALID_URL");
    expect(await testDb().webhookEndpoint.count()).toBe(0);
  });

  it("checks the address again before each round of calls (DNS rebinding)", async () => {
    const publicThenPrivate = { lookup: async () => [{ address: "93.184.216.34", family: 4 as const }] };
    const { id } = await createWebhookEndpoint(
      testDb(),
      actor,
      { apiKeyId, url: "https://hooks.example.com/in", events: ["message.sent"] },
      { allowPrivate: false, resolver: publicThenPrivate },
    );
    await queueTestEvent(testDb(), { id });
    const rebound = { lookup: async () => [{ address: "127.0.0.1", family: 4 as const }] };

    await dispatchDueWebhooks(testDb(), { allowPrivate: false, resolver: rebound });

    expect(await testDb().webhookDelivery.findFirstOrThrow()).toMatchObject({
      status: "FAILED",
      lastStatusCode: null,
      lastError: "refused URL: PRIVATE_ADDRESS",
    });
  });

  it("keeps the secret only encrypted, rotates it, and audits create, rotate and delete", async () => {
    const { id, secret } = await endpoint();
    const row = await testDb().webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(row.secretBox).not.toContain(secret);

    const { secret: rotated } = await rotateWebhookSecret(testDb(), actor, { id });
    expect(rotated).not.toBe(secret);
    await queueTestEvent(testDb(), { id });
    await dispatchDueWebhooks(testDb(), loopback);
    const header = received[0]!.headers["postkamer-signature"] as string;
    expect(verifyWebhookSignature(rotated, received[0]!.body, header).ok).toBe(true);
    expect(verifyWebhookSignature(secret, received[0]!.body, header).ok).toBe(false);

    await deleteWebhookEndpoint(testDb(), actor, { id });
    const audit = await testDb().auditEntry.findMany({ where: { entityType: "WebhookEndpoint" }, orderBy: { at: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual(["apikey.webhook.create", "apikey.webhook.rotate", "apikey.webhook.delete"]);
    const stored = JSON.stringify(audit, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(rotated);
  });
});

describe("the OpenAPI document", () => {
  it("describes the webhook calls (OpenAPI 3.1 webhooks) with the signature header", async () => {
    const document = (await getOpenApi().json()) as {
      openapi: string;
      webhooks: Record<string, { post: { description: string } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.webhooks)).toEqual(["messageEvent", "testEvent"]);
    expect(document.webhooks.messageEvent!.post.description).toContain("Postkamer-Signature: t=<unix seconds>,v1=<hex>");
    expect(document.components.schemas.MessageEvent).toBeDefined();
  });
});
