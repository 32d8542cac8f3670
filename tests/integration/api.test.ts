import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { GET as getMessageRoute } from "@/app/api/v1/messages/[id]/route.ts";
import { POST } from "@/app/api/v1/messages/route.ts";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route.ts";
import { createApiKey, revokeApiKey } from "@/lib/apikeys/mutations.ts";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { apiErrorSchema, messageAcceptedSchema, messageStatusSchema, submitSchema } from "@/lib/messages/schema.ts";
import { submitMessage } from "@/lib/messages/mutations.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * The submission API through its route handlers, on the run's real database and pg-boss schema.
 * No worker runs here, so accepted messages stay QUEUED with their job waiting.
 */
const actor = { id: null, label: "test" };
const HTML_FRAME = "<html><body><h1>{{onderwerp}}</h1>{{inhoud}}<footer>Verzuim BV</footer></body></html>";
const TEXT_FRAME = "{{onderwerp}}\n\n{{inhoud}}\n\n-- \nVerzuim BV";

let apiKey: string;
let apiKeyId: string;
let serverId: string;

// The route handlers start the web process's pg-boss on first use; starting it here creates the
// pgboss schema before any test counts jobs in it.
beforeAll(() => webBoss());

beforeEach(async () => {
  await resetDatabase();
  const prisma = testDb();
  const server = await prisma.mailServer.create({
    data: { name: "Exchange klant", type: "GENERIC", host: "smtp.klant.example", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
  serverId = server.id;
  const sender = await prisma.sender.create({
    data: { serverId: server.id, displayName: "Verzuim Klant BV", address: "verzuim@klant.example", state: "VERIFIED" },
  });
  await prisma.masterTemplate.create({
    data: { key: "verzuim", name: "Verzuim", carries: "WERKGEVER", htmlFrame: HTML_FRAME, textFrame: TEXT_FRAME, serverId: server.id, senderId: sender.id },
  });
  await prisma.masterTemplate.create({ data: { key: "algemeen", name: "Algemeen", carries: "WERKGEVER", htmlFrame: HTML_FRAME, textFrame: TEXT_FRAME } });
  const created = await createApiKey(prisma, actor, { name: "applicatie" });
  apiKey = created.key;
  apiKeyId = created.id;
});

afterAll(async () => {
  const globalForBoss = globalThis as typeof globalThis & { postkamerBoss?: Promise<PgBoss> };
  const boss = await globalForBoss.postkamerBoss?.catch(() => undefined);
  globalForBoss.postkamerBoss = undefined;
  await boss?.stop({ graceful: false });
  await db().$disconnect();
});

const valid = {
  template: "verzuim",
  to: ["jan@werknemer.example", { name: "Piet Jansen", address: "piet@werknemer.example" }],
  cc: ["hr@klant.example"],
  subject: "Uw ziekmelding is ontvangen",
  html: "<p>Beste Jan,</p><p>Uw ziekmelding van <b>3 maart</b> is ontvangen.</p>",
};

type PostOptions = { key?: string | null; contentType?: string | null; headers?: Record<string, string> };

function post(body: unknown, { key = apiKey, contentType = "application/json", headers = {} }: PostOptions = {}) {
  const all = new Headers(headers);
  if (key !== null) all.set("authorization", `Bearer ${key}`);
  if (contentType !== null) all.set("content-type", contentType);
  const payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  return POST(new Request("http://localhost/api/v1/messages", { method: "POST", headers: all, body: payload as BodyInit }));
}

function get(id: string, key: string | null = apiKey) {
  const headers = key === null ? undefined : { authorization: `Bearer ${key}` };
  return getMessageRoute(new Request(`http://localhost/api/v1/messages/${id}`, { headers }), { params: Promise.resolve({ id }) });
}

/**
 * The jobs that deliver a message (all messages when omitted): its own on the platform's route, or
 * its server's waiting "mail ready" (one per server, however many messages wait).
 */
async function deliveryJobs(messageId?: string) {
  const id = messageId ?? null;
  return testDb().$queryRaw<{ name: string; data: { messageId?: string; serverId?: string } }[]>`
    SELECT name, data FROM pgboss.job
    WHERE (name = 'delivery' AND (${id}::text IS NULL OR data->>'messageId' = ${id}::text))
      OR (name = 'server-ready' AND state = 'created'
        AND singleton_key IN (SELECT "serverId"::text FROM "OutboundMessage" WHERE ${id}::text IS NULL OR id::text = ${id}::text))`;
}

async function stored() {
  return { messages: await testDb().outboundMessage.count(), jobs: (await deliveryJobs()).length };
}

/** Every refusal: the exact status and error code, a body the OpenAPI Error schema allows, and nothing written. */
async function expectRefused(send: () => Promise<Response>, status: number, error: string) {
  const before = await stored();
  const response = await send();
  const body: unknown = await response.json();
  expect(response.status).toBe(status);
  expect(apiErrorSchema.parse(body).error).toBe(error);
  expect(await stored()).toEqual(before);
  return { response, body: body as { error: string; fields?: { path: string; message: string }[] } };
}

async function expectInvalid(body: unknown, path: string, message?: RegExp) {
  const { body: answer } = await expectRefused(() => post(body), 400, "validation_failed");
  expect(answer.fields).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  if (message) expect(answer.fields!.find((field) => field.path === path)!.message).toMatch(message);
  return answer.fields!;
}

describe("POST /api/v1/messages: who may submit", () => {
  it("answers 401 with a Bearer challenge without a key", async () => {
    const { response, body } = await expectRefused(() => post(valid, { key: null }), 401, "unauthorized");
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(body).toEqual({ error: "unauthorized" });
  });

  it("answers 401 for an unknown key", async () => {
    await expectRefused(() => post(valid, { key: "pk_live_dit-is-geen-sleutel" }), 401, "unauthorized");
  });

  it("answers 401 for a revoked key", async () => {
    await revokeApiKey(testDb(), actor, { id: apiKeyId });
    await expectRefused(() => post(valid), 401, "unauthorized");
  });

  it("answers 401 for a key revoked elsewhere while this process still trusts it, and writes nothing", async () => {
    expect((await post(valid)).status).toBe(202);
    // Another web process revoked it: this process's remembered key is not told, the write's own check is.
    await testDb().apiKey.update({ where: { id: apiKeyId }, data: { revokedAt: new Date() } });
    await expectRefused(() => post(valid), 401, "unauthorized");
    expect(await testDb().outboundMessage.count()).toBe(1);
  });

  it("answers 401 for another authentication scheme", async () => {
    await expectRefused(() => post(valid, { key: null, headers: { authorization: `Basic ${btoa(`x:${apiKey}`)}` } }), 401, "unauthorized");
  });

  it("notes when a key was last used, at most once a minute", async () => {
    expect((await post(valid)).status).toBe(202);
    const first = (await testDb().apiKey.findUniqueOrThrow({ where: { id: apiKeyId } })).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    expect((await post(valid)).status).toBe(202);
    expect((await testDb().apiKey.findUniqueOrThrow({ where: { id: apiKeyId } })).lastUsedAt).toEqual(first);
  });
});

describe("POST /api/v1/messages: what is refused before validation", () => {
  it("answers 415 for a body that is not declared as JSON", async () => {
    await expectRefused(() => post(valid, { contentType: "text/plain" }), 415, "unsupported_media_type");
    await expectRefused(() => post(valid, { contentType: "application/x-www-form-urlencoded" }), 415, "unsupported_media_type");
    await expectRefused(() => post(valid, { contentType: null }), 415, "unsupported_media_type");
  });

  it("accepts application/json with a charset parameter", async () => {
    expect((await post(valid, { contentType: "application/json; charset=utf-8" })).status).toBe(202);
  });

  it("answers 400 invalid_json for a body that is not JSON", async () => {
    await expectRefused(() => post("{ to: [", {}), 400, "invalid_json");
    await expectRefused(() => post("", {}), 400, "invalid_json");
    await expectRefused(() => post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, "invalid_json");
  });

  it("answers 413 for a body over the limit, counting the bytes actually sent", async () => {
    const huge = { ...valid, html: `<p>${"x".repeat(5 * 1024 * 1024)}</p>` };
    const { body } = await expectRefused(() => post(huge), 413, "payload_too_large");
    expect(body).toEqual({ error: "payload_too_large" });
  });

  it("answers 413 straight away when Content-Length announces too much", async () => {
    await expectRefused(() => post(valid, { headers: { "content-length": String(50 * 1024 * 1024) } }), 413, "payload_too_large");
  });

  it("answers 413 for a streamed body without Content-Length once it passes the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request("http://localhost/api/v1/messages", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectRefused(() => POST(request), 413, "payload_too_large");
    expect(sent).toBeLessThan(8);
  });
});

describe("POST /api/v1/messages: schema errors are 400 with a field list", () => {
  it("requires recipients", async () => {
    const { to: _to, ...withoutTo } = valid;
    await expectInvalid(withoutTo, "to");
    await expectInvalid({ ...valid, to: [] }, "to", /at least one recipient/);
  });

  it("refuses an invalid address", async () => {
    await expectInvalid({ ...valid, to: ["jan@werknemer.example", "geen-adres"] }, "to.1", /e-mail address/);
    await expectInvalid({ ...valid, cc: [{ name: "Piet", address: "piet@" }] }, "cc.0.address", /e-mail address/);
    await expectInvalid({ ...valid, to: ["jan@werknemer.example\r\nBcc: iedereen@example.com"] }, "to.0");
  });

  it("refuses CR/LF in the subject", async () => {
    await expectInvalid({ ...valid, subject: "Ontvangen\r\nBcc: iedereen@example.com" }, "subject", /line breaks/);
    await expectInvalid({ ...valid, subject: "Ontvangen\nX-Spam: no" }, "subject", /line breaks/);
  });

  it("refuses CR/LF in a recipient's or the reply-to's name", async () => {
    await expectInvalid({ ...valid, to: [{ name: "Jan\r\nBcc: iedereen@example.com", address: "jan@werknemer.example" }] }, "to.0.name", /line breaks/);
    await expectInvalid({ ...valid, replyTo: { name: "HR\nX-Evil: 1", address: "hr@klant.example" } }, "replyTo.name", /line breaks/);
  });

  it("refuses more than 1000 recipients, in one list or together", async () => {
    const many = (n: number, domain: string) => Array.from({ length: n }, (_, i) => `r${i}@${domain}`);
    await expectInvalid({ ...valid, to: many(1001, "a.example") }, "to", /1000/);
    await expectInvalid({ ...valid, to: many(500, "a.example"), cc: many(300, "b.example"), bcc: many(201, "c.example") }, "to", /1000/);
  });

  it("refuses unknown fields", async () => {
    const fields = await expectInvalid({ ...valid, priority: "high" }, "priority", /unknown field/);
    expect(fields).toHaveLength(1);
    await expectInvalid({ ...valid, to: [{ name: "Jan", address: "jan@werknemer.example", headers: { "X-A": "b" } }] }, "to.0.headers", /unknown field/);
  });

  it("requires html or text", async () => {
    const { html: _html, ...withoutBody } = valid;
    await expectInvalid(withoutBody, "text", /html or text/);
    await expectInvalid({ ...withoutBody, html: "", text: "" }, "text", /html or text/);
  });

  it("refuses a JSON body that is not an object", async () => {
    await expectInvalid([valid], "");
    await expectInvalid(null, "");
  });

  it("checks the idempotency key", async () => {
    await expectInvalid({ ...valid, idempotencyKey: "" }, "idempotencyKey");
    await expectInvalid({ ...valid, idempotencyKey: "sleutel\n1" }, "idempotencyKey", /printable ASCII/);
    await expectInvalid({ ...valid, idempotencyKey: "x".repeat(201) }, "idempotencyKey");
  });
});

describe("POST /api/v1/messages: acceptance", () => {
  it("answers 422 for an unknown template", async () => {
    const { body } = await expectRefused(() => post({ ...valid, template: "bestaat-niet" }), 422, "unknown_template");
    expect(body).toEqual({ error: "unknown_template" });
  });

  it("accepts a message: rendered into the frame, routed through the template's server as its sender, queued with one job", async () => {
    const response = await post({ ...valid, bcc: ["archief@klant.example"], replyTo: { name: "HR", address: "hr@klant.example" } });
    expect(response.status).toBe(202);
    expect(response.headers.get("idempotent-replayed")).toBeNull();
    const accepted = messageAcceptedSchema.parse(await response.json());
    expect(accepted.status).toBe("QUEUED");

    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: accepted.id }, include: { template: true } });
    expect(message).toMatchObject({
      kind: "APPLICATION",
      status: "QUEUED",
      serverId,
      fromName: "Verzuim Klant BV",
      fromAddress: "verzuim@klant.example",
      to: ["jan@werknemer.example", "piet@werknemer.example"],
      cc: ["hr@klant.example"],
      bcc: ["archief@klant.example"],
      recipientCount: 4,
      replyTo: "hr@klant.example",
      subject: valid.subject,
      apiKeyId,
      idempotencyKey: null,
      messageIdHeader: `<${accepted.id}@klant.example>`,
    });
    expect(message.template?.key).toBe("verzuim");
    expect(message.html).toBe(`<html><body><h1>Uw ziekmelding is ontvangen</h1>${valid.html}<footer>Verzuim BV</footer></body></html>`);
    expect(message.text).toMatch(/^Uw ziekmelding is ontvangen\n\nBeste Jan,\n\nUw ziekmelding van 3 maart is ontvangen\.\n\n-- \nVerzuim BV$/);
    expect(message.giveUpAt.getTime() - message.createdAt.getTime()).toBeGreaterThan(47 * 3600_000);

    const jobs = await deliveryJobs(accepted.id);
    expect(jobs).toEqual([{ name: "server-ready", data: { serverId } }]);

    // A second message for the same server while the first's job waits: no second job, the drain takes both.
    const second = messageAcceptedSchema.parse(await (await post({ ...valid, subject: "Tweede bericht" })).json());
    expect(await deliveryJobs(second.id)).toEqual([{ name: "server-ready", data: { serverId } }]);
    expect(await deliveryJobs()).toHaveLength(1);
  });

  it("sends a template without a server route through the platform's own delivery", async () => {
    const response = await post({ ...valid, template: "algemeen", html: undefined, text: "Beste Jan, <b>tot morgen</b>." });
    expect(response.status).toBe(202);
    const { id } = messageAcceptedSchema.parse(await response.json());
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id } });
    expect(message).toMatchObject({ serverId: null, senderId: null, fromName: "Postkamer", fromAddress: config().PLATFORM_FROM_ADDRESS });
    // Text-only: no HTML part, and the text is not HTML-escaped.
    expect(message.html).toBeNull();
    expect(message.text).toContain("Beste Jan, <b>tot morgen</b>.");
    expect(await deliveryJobs(id)).toMatchObject([{ name: "delivery", data: { messageId: id, serverId: null } }]);
  });

  it("escapes the subject in the HTML frame", async () => {
    const response = await post({ ...valid, subject: "<img src=x onerror=alert(1)> & co" });
    const { id } = messageAcceptedSchema.parse(await response.json());
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id } });
    expect(message.html).toContain("<h1>&lt;img src=x onerror=alert(1)&gt; &amp; co</h1>");
    expect(message.subject).toBe("<img src=x onerror=alert(1)> & co");
  });
});

describe("idempotency", () => {
  it("returns the first message for a repeated key and stores nothing new", async () => {
    const body = { ...valid, idempotencyKey: "verzuimmelding-4711" };
    const first = await post(body);
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const { id } = messageAcceptedSchema.parse(await first.json());

    const before = await stored();
    const second = await post({ ...body, subject: "Een ander onderwerp" });
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual({ id, status: "QUEUED" });
    expect(await stored()).toEqual(before);
    expect(await testDb().outboundMessage.count()).toBe(1);
    expect(await deliveryJobs(id)).toHaveLength(1);
  });

  it("keeps keys of different API keys apart", async () => {
    const other = await createApiKey(testDb(), actor, { name: "tweede applicatie" });
    const body = { ...valid, idempotencyKey: "zelfde-sleutel" };
    const first = messageAcceptedSchema.parse(await (await post(body)).json());
    const second = messageAcceptedSchema.parse(await (await post(body, { key: other.key })).json());
    expect(second.id).not.toBe(first.id);
    expect(await testDb().outboundMessage.count()).toBe(2);
  });

  it("stores one message when the same key arrives twice at the same time", async () => {
    const body = { ...valid, idempotencyKey: "gelijktijdig" };
    const responses = await Promise.all([post(body), post(body), post(body)]);
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202]);
    const ids = new Set(await Promise.all(responses.map(async (response) => messageAcceptedSchema.parse(await response.json()).id)));
    expect(ids.size).toBe(1);
    expect(await testDb().outboundMessage.count()).toBe(1);
    expect(await deliveryJobs([...ids][0])).toHaveLength(1);
  });

  it("resolves the race where both requests pass the lookup before either commits", async () => {
    const boss = await webBoss();
    const input = submitSchema.parse({ ...valid, idempotencyKey: "wedloop" });
    // The slow hook holds the first transaction open, so the second one inserts too, waits on the unique index and loses.
    const slow = { afterInsert: () => new Promise<void>((resolve) => setTimeout(resolve, 300)) };
    const [a, b] = await Promise.all([
      submitMessage(testDb(), boss, { id: apiKeyId }, input, slow),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => submitMessage(testDb(), boss, { id: apiKeyId }, input, slow)),
    ]);
    expect(b.id).toBe(a.id);
    expect([a.replayed, b.replayed]).toEqual([false, true]);
    expect(await testDb().outboundMessage.count()).toBe(1);
    expect(await deliveryJobs(a.id)).toHaveLength(1);
  });
});

describe("the single transaction", () => {
  it("leaves neither message nor job when something fails after the insert", async () => {
    const before = await stored();
    let insertedId: string | undefined;
    await expect(
      submitMessage(testDb(), await webBoss(), { id: apiKeyId }, submitSchema.parse(valid), {
        async afterInsert(tx) {
          // Both rows exist inside the transaction…
          const [message] = await tx.outboundMessage.findMany({ select: { id: true } });
          insertedId = message!.id;
          const jobs = await tx.$queryRaw<
            { count: number }[]
          >`SELECT count(*)::int AS count FROM pgboss.job WHERE name = 'server-ready' AND singleton_key = ${serverId}`;
          expect(jobs[0]!.count).toBe(1);
          throw new Error("forced failure after the insert");
        },
      }),
    ).rejects.toThrow("forced failure after the insert");
    // …and neither survives the rollback.
    expect(insertedId).toBeDefined();
    expect(await stored()).toEqual(before);
    const [left] = await testDb().$queryRaw<
      { count: number }[]
    >`SELECT count(*)::int AS count FROM pgboss.job WHERE name = 'server-ready' AND singleton_key = ${serverId}`;
    expect(left!.count).toBe(0);
  });
});

describe("GET /api/v1/messages/{id}", () => {
  it("returns status, route and attempts", async () => {
    const { id } = messageAcceptedSchema.parse(await (await post(valid)).json());
    await testDb().deliveryAttempt.create({
      data: {
        messageId: id,
        number: 1,
        finishedAt: new Date(),
        outcome: "RETRY",
        route: "server",
        responseCode: 451,
        response: "451 4.7.1 Greylisted",
        error: null,
      },
    });
    await testDb().outboundMessage.update({ where: { id }, data: { status: "RETRYING", attemptCount: 1 } });

    const response = await get(id);
    expect(response.status).toBe(200);
    const body = messageStatusSchema.parse(await response.json());
    expect(body).toMatchObject({
      id,
      status: "RETRYING",
      template: "verzuim",
      route: { server: { id: serverId, name: "Exchange klant" }, from: { name: "Verzuim Klant BV", address: "verzuim@klant.example" } },
      attempts: [{ number: 1, outcome: "RETRY", responseCode: 451, response: "451 4.7.1 Greylisted", error: null }],
      sentAt: null,
    });
  });

  it("shows the platform route as server null", async () => {
    const { id } = messageAcceptedSchema.parse(await (await post({ ...valid, template: "algemeen" })).json());
    const body = messageStatusSchema.parse(await (await get(id)).json());
    expect(body).toMatchObject({ status: "QUEUED", template: "algemeen", route: { server: null, from: { name: "Postkamer" } }, attempts: [] });
  });

  it("answers 404 for unknown and malformed ids, and for mail that is not the application's", async () => {
    await expectRefused(() => get("6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"), 404, "not_found");
    await expectRefused(() => get("niet-een-id"), 404, "not_found");
    const code = await testDb().outboundMessage.create({
      data: {
        kind: "OWNERSHIP_CODE",
        fromName: "Postkamer",
        fromAddress: "postkamer@localhost",
        to: ["verzuim@klant.example"],
        recipientCount: 1,
        subject: "Verificatiecode",
        messageIdHeader: "<code@localhost>",
        giveUpAt: new Date(Date.now() + 3600_000),
      },
    });
    await expectRefused(() => get(code.id), 404, "not_found");
  });

  it("answers 401 without a valid key", async () => {
    const { id } = messageAcceptedSchema.parse(await (await post(valid)).json());
    const { response } = await expectRefused(() => get(id, null), 401, "unauthorized");
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    await expectRefused(() => get(id, "pk_onbekend"), 401, "unauthorized");
  });
});

describe("GET /api/v1/openapi.json", () => {
  type Operation = { responses: Record<string, unknown> };
  type Document = {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };

  async function document(): Promise<Document> {
    const response = getOpenApi();
    expect(response.status).toBe(200);
    return (await response.json()) as Document;
  }

  it("describes the request body with exactly the schema the handler validates with", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.schemas.SubmitMessage).toEqual(z.toJSONSchema(submitSchema));
    expect(doc.components.schemas.MessageAccepted).toEqual(z.toJSONSchema(messageAcceptedSchema));
    expect(doc.components.schemas.MessageStatus).toEqual(z.toJSONSchema(messageStatusSchema));
    expect(doc.components.schemas.Error).toEqual(z.toJSONSchema(apiErrorSchema));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("lists every status code the handlers answer with", async () => {
    const doc = await document();
    expect(Object.keys(doc.paths["/api/v1/messages"]!.post!.responses).sort()).toEqual(["202", "400", "401", "413", "415", "422", "500"]);
    expect(Object.keys(doc.paths["/api/v1/messages/{id}"]!.get!.responses).sort()).toEqual(["200", "401", "404", "500"]);
  });
});
