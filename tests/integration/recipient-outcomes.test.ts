import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { GET as getMessageRoute } from "@/app/api/v1/messages/[id]/route.ts";
import { GET as getOpenApi } from "@/app/api/v1/openapi.json/route.ts";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { BUILT_IN_ROLES, effectivePermissions, type Permission } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import type { RecipientOutcomes } from "@/lib/delivery/recipients.ts";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { getMessage, listMessages } from "@/lib/logging/data.ts";
import { retryMessage } from "@/lib/logging/mutations.ts";
import { applyRecipientCapSuggestionAction, dismissRecipientCapSuggestionAction } from "@/lib/mailservers/actions.ts";
import { messageStatusSchema } from "@/lib/messages/schema.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";

/**
 * What a person and the application see of per-recipient outcomes: the API's recipients and
 * summary, the Logging's progress and per-recipient table (masked without the right), "Opnieuw
 * proberen" for the recipients that did not get the mail, and the learned recipient cap's buttons.
 * Outcomes are written straight into the database, as the delivery engine would leave them.
 */
let currentUser: CurrentUser | null = null;
vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: (user: CurrentUser) => ({ id: user.id, label: user.email }),
  requirePagePermission: async () => {
    throw new Error("pages are not under test here");
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

const actor = { id: null, label: "test" };
const at = "2026-12-01T10:15:00.000Z";
const TO = ["jan@werknemer.example", "piet@werknemer.example", "kees@werknemer.example"];
const CC = ["hr@klant.example"];
const BCC = ["archief@klant.example"];

let jobs: { boss: PgBoss; stop: () => Promise<void> };
let apiKey: string;
let serverId: string;

beforeAll(async () => {
  jobs = await startJobs({ worker: false });
});

afterAll(async () => {
  await jobs.stop();
});

beforeEach(async () => {
  await resetDatabase();
  await seed(testDb(), { adminEmail: "beheerder@klant.example", adminPassword: "beheerder-wachtwoord-123" });
  const server = await testDb().mailServer.create({
    data: { name: "Postfix klant", type: "GENERIC", host: "smtp.klant.example", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
  serverId = server.id;
  apiKey = (await createApiKey(testDb(), actor, { name: "applicatie" })).key;
  currentUser = null;
});

/** Partly delivered: Postfix took the first two recipients, refused one for good and one for now; one was not tried yet. */
const partial: RecipientOutcomes = {
  "jan@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
  "piet@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
  "kees@werknemer.example": { state: "FAILED", code: 550, reply: "550 5.1.1 <kees@werknemer.example>: Recipient address rejected: User unknown", at },
  "hr@klant.example": { state: "WAITING", code: 452, reply: "452 4.5.3 Error: too many recipients", at },
};

/** Final: two accepted, the other three refused for good. */
const partlySent: RecipientOutcomes = {
  "jan@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
  "piet@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
  "kees@werknemer.example": { state: "FAILED", code: 550, reply: "550 5.1.1 <kees@werknemer.example>: Recipient address rejected: User unknown", at },
  "hr@klant.example": { state: "FAILED", code: 550, reply: "550 5.7.1 <hr@klant.example>: Relay access denied", at },
  "archief@klant.example": { state: "FAILED", code: 550, reply: "550 5.7.1 <archief@klant.example>: Relay access denied", at },
};

async function message(status: MessageStatus, recipientOutcomes: RecipientOutcomes | null) {
  return testDb().outboundMessage.create({
    data: {
      kind: "APPLICATION",
      serverId,
      fromName: "Verzuim Klant BV",
      fromAddress: "verzuim@klant.example",
      to: TO,
      cc: CC,
      bcc: BCC,
      recipientCount: 5,
      subject: "Uw ziekmelding is ontvangen",
      text: "Beste Jan,",
      messageIdHeader: `<${crypto.randomUUID()}@klant.example>`,
      status,
      attemptCount: 1,
      giveUpAt: new Date(Date.now() + 3_600_000),
      ...(status === "SENT" || status === "PARTIALLY_SENT" ? { sentAt: new Date(at) } : {}),
      ...(recipientOutcomes ? { recipientOutcomes } : {}),
    },
  });
}

async function apiGet(id: string) {
  const response = await getMessageRoute(new Request(`http://localhost/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${apiKey}` } }), {
    params: Promise.resolve({ id }),
  });
  expect(response.status).toBe(200);
  return messageStatusSchema.parse(await response.json());
}

describe("GET /api/v1/messages/{id}: per recipient", () => {
  it("shows a message in progress with two recipients delivered, one failed and two still waiting", async () => {
    const { id } = await message("RETRYING", partial);
    const body = await apiGet(id);
    expect(body.status).toBe("RETRYING");
    expect(body.summary).toEqual({ total: 5, delivered: 2, waiting: 2, failed: 1 });
    expect(body.recipients).toEqual([
      { address: "jan@werknemer.example", state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
      { address: "piet@werknemer.example", state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
      { address: "kees@werknemer.example", state: "FAILED", code: 550, reply: partial["kees@werknemer.example"]!.reply, at },
      { address: "hr@klant.example", state: "WAITING", code: 452, reply: "452 4.5.3 Error: too many recipients", at },
      // Not answered yet: no code, reply or time of its own.
      { address: "archief@klant.example", state: "WAITING" },
    ]);
  });

  it("shows a partially sent message as PARTIALLY_SENT with which recipients failed", async () => {
    const { id } = await message("PARTIALLY_SENT", partlySent);
    const body = await apiGet(id);
    expect(body.status).toBe("PARTIALLY_SENT");
    expect(body.summary).toEqual({ total: 5, delivered: 2, waiting: 0, failed: 3 });
    expect(body.recipients.filter((r) => r.state === "FAILED").map((r) => [r.address, r.code])).toEqual([
      ["kees@werknemer.example", 550],
      ["hr@klant.example", 550],
      ["archief@klant.example", 550],
    ]);
  });

  it("shows a plainly sent message (no per-recipient answers) as every recipient delivered", async () => {
    const { id } = await message("SENT", null);
    const body = await apiGet(id);
    expect(body.summary).toEqual({ total: 5, delivered: 5, waiting: 0, failed: 0 });
    expect(body.recipients).toEqual([...TO, ...CC, ...BCC].map((address) => ({ address, state: "DELIVERED" })));
  });

  it("documents the recipients, the summary and PARTIALLY_SENT in the OpenAPI document", async () => {
    const doc = (await getOpenApi().json()) as { components: { schemas: { MessageStatus: unknown } } };
    const schema = doc.components.schemas.MessageStatus as { properties: Record<string, { enum?: string[]; description?: string; items?: unknown }> };
    expect(schema).toEqual(z.toJSONSchema(messageStatusSchema));
    expect(schema.properties.status!.enum).toContain("PARTIALLY_SENT");
    expect(schema.properties.recipients!.items).toMatchObject({
      properties: { state: { enum: ["DELIVERED", "WAITING", "FAILED"] } },
      required: ["address", "state"],
    });
    expect(schema.properties.summary).toMatchObject({ required: ["total", "delivered", "waiting", "failed"] });
  });
});

describe("the Logging per recipient", () => {
  it("lists the progress of a message in progress and a partially sent one, but not of a message sent to everyone", async () => {
    const inProgress = await message("DEFERRED", partial);
    const done = await message("PARTIALLY_SENT", partlySent);
    const sent = await message("SENT", null);
    const { messages } = await listMessages(testDb(), { serverId, details: false });
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(inProgress.id)!.progress).toEqual({ total: 5, delivered: 2, waiting: 2, failed: 1 });
    expect(byId.get(done.id)!.progress).toEqual({ total: 5, delivered: 2, waiting: 0, failed: 3 });
    expect(byId.get(sent.id)!.progress).toBeNull();
    // The list hands on counts, never the outcomes with their addresses.
    expect(JSON.stringify(messages, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))).not.toContain("kees@werknemer.example");
  });

  it("filters on Deels verzonden", async () => {
    const done = await message("PARTIALLY_SENT", partlySent);
    await message("SENT", null);
    const { messages } = await listMessages(testDb(), { serverId, details: true, statuses: ["PARTIALLY_SENT"] });
    expect(messages.map((m) => m.id)).toEqual([done.id]);
  });

  it("masks every address in the per-recipient table without 'Logging details bekijken', also where the server's reply quotes it", async () => {
    const { id } = await message("PARTIALLY_SENT", partlySent);
    const masked = (await getMessage(testDb(), id, false))!;
    expect(masked.recipientOutcomes!.map((r) => [r.address, r.state])).toEqual([
      ["j•••@werknemer.example", "DELIVERED"],
      ["p•••@werknemer.example", "DELIVERED"],
      ["k•••@werknemer.example", "FAILED"],
      ["h•••@klant.example", "FAILED"],
      ["a•••@klant.example", "FAILED"],
    ]);
    expect(masked.recipientOutcomes![2]).toMatchObject({
      code: 550,
      reply: "550 5.1.1 <k•••@werknemer.example>: Recipient address rejected: User unknown",
      at: new Date(at),
    });
    expect(masked.recipients).toEqual(masked.recipientOutcomes!.map((r) => r.address));
    expect(JSON.stringify(masked)).not.toMatch(/kees@|hr@|archief@|jan@|piet@/);

    const full = (await getMessage(testDb(), id, true))!;
    expect(full.recipientOutcomes!.map((r) => r.address)).toEqual([...TO, ...CC, ...BCC]);
    expect(full.recipientOutcomes![2]!.reply).toBe(partlySent["kees@werknemer.example"]!.reply);
    expect(full.progress).toEqual({ total: 5, delivered: 2, waiting: 0, failed: 3 });
  });

  it("has no per-recipient table for a message the server answered as a whole", async () => {
    const { id } = await message("SENT", null);
    expect((await getMessage(testDb(), id, true))!.recipientOutcomes).toBeNull();
  });
});

describe("Opnieuw proberen with per-recipient outcomes", () => {
  it("sends a partially sent message again only to the recipients that failed; delivered ones stay delivered", async () => {
    const { id } = await message("PARTIALLY_SENT", partlySent);
    expect(await retryMessage(testDb(), jobs.boss, actor, id)).toEqual({ recipientsToSend: 3 });
    const after = await testDb().outboundMessage.findUniqueOrThrow({ where: { id } });
    expect(after.status).toBe("QUEUED");
    const outcomes = after.recipientOutcomes as RecipientOutcomes;
    expect(Object.fromEntries(Object.entries(outcomes).map(([address, o]) => [address, o.state]))).toEqual({
      "jan@werknemer.example": "DELIVERED",
      "piet@werknemer.example": "DELIVERED",
      "kees@werknemer.example": "WAITING",
      "hr@klant.example": "WAITING",
      "archief@klant.example": "WAITING",
    });
    expect(outcomes["jan@werknemer.example"]).toEqual(partlySent["jan@werknemer.example"]);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "message.retry", entityId: id } });
    expect(audit.after).toEqual({ status: "QUEUED", recipientsDelivered: 2, recipientsToSend: 3 });
  });

  it("does the same for a failed message that reached some recipients, including the ones never answered", async () => {
    const outcomes: RecipientOutcomes = {
      "jan@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
      "piet@werknemer.example": { state: "FAILED", code: 550, reply: "550 5.1.1 User unknown", at },
    };
    const { id } = await message("FAILED", outcomes);
    expect(await retryMessage(testDb(), jobs.boss, actor, id)).toEqual({ recipientsToSend: 4 });
    const after = await testDb().outboundMessage.findUniqueOrThrow({ where: { id } });
    expect(after.status).toBe("QUEUED");
    expect(after.recipientOutcomes).toMatchObject({ "jan@werknemer.example": { state: "DELIVERED" }, "piet@werknemer.example": { state: "WAITING" } });
  });

  it("leaves a message without per-recipient outcomes as it was: all recipients again", async () => {
    const { id } = await message("FAILED", null);
    expect(await retryMessage(testDb(), jobs.boss, actor, id)).toEqual({ recipientsToSend: null });
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id } })).recipientOutcomes).toBeNull();
  });

  it("does not touch the refused recipients of a message that is still in progress", async () => {
    const { id } = await message("RETRYING", partial);
    expect(await retryMessage(testDb(), jobs.boss, actor, id)).toEqual({ recipientsToSend: 2 });
    const after = await testDb().outboundMessage.findUniqueOrThrow({ where: { id } });
    expect(after.status).toBe("RETRYING");
    expect(after.recipientOutcomes).toEqual(partial);
  });
});

describe("the learned recipient cap's buttons", () => {
  async function observe(observed: number) {
    return testDb().limitObservation.create({
      data: { serverId, window: "MINUTE", unit: "RECIPIENTS", observed, configured: null, reply: "452 4.5.3 Error: too many recipients", perMessage: true },
    });
  }

  async function userWithRole(name: string): Promise<CurrentUser> {
    const role = await testDb().role.findUniqueOrThrow({ where: { name }, include: { permissions: true } });
    const admin = await testDb().user.findFirstOrThrow();
    return { id: admin.id, email: admin.email, name, permissions: effectivePermissions(role.permissions.map((p) => p.permission as Permission)) };
  }

  function form(fields: Record<string, string>) {
    const data = new FormData();
    for (const [key, value] of Object.entries(fields)) data.set(key, value);
    return data;
  }

  it("refuses Helpdesk and writes nothing; the administrator sets the cap, resolves the observations and is audited", async () => {
    await observe(5);
    await observe(5);
    const fields = form({ serverId });
    const audits = await testDb().auditEntry.count();

    currentUser = await userWithRole(BUILT_IN_ROLES.helpdesk.name);
    expect(await applyRecipientCapSuggestionAction(null, fields)).toMatchObject({ ok: false, status: 403 });
    expect(await dismissRecipientCapSuggestionAction(null, form({ serverId }))).toMatchObject({ ok: false, status: 403 });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBeNull();
    expect(await testDb().limitObservation.count({ where: { resolvedAt: null } })).toBe(2);
    expect(await testDb().auditEntry.count()).toBe(audits);

    currentUser = await userWithRole(BUILT_IN_ROLES.administrator.name);
    expect(await applyRecipientCapSuggestionAction(null, fields)).toEqual({ ok: true, message: "Het maximum is ingesteld op 5 ontvangers per bericht." });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBe(5);
    expect(await testDb().limitObservation.count({ where: { resolvedAt: null } })).toBe(0);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.recipientCap.learned", entityId: serverId } });
    expect(audit).toMatchObject({ actorId: currentUser.id, before: { maxRecipientsPerMessage: null }, after: { maxRecipientsPerMessage: 5, observations: 2 } });

    // The suggestion is gone: a second click (a stale page) changes nothing.
    expect(await applyRecipientCapSuggestionAction(null, fields)).toMatchObject({ ok: false, status: 409 });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBe(5);
  });

  it("'Negeren' resolves the observations and keeps the cap as it was", async () => {
    await testDb().mailServer.update({ where: { id: serverId }, data: { maxRecipientsPerMessage: 50 } });
    await observe(20);
    // A rate observation of the same server is another suggestion and stays open.
    await testDb().limitObservation.create({
      data: { serverId, window: "MINUTE", unit: "MESSAGES", observed: 10, configured: 30, reply: "450 4.7.1 Error: too much mail" },
    });
    currentUser = await userWithRole(BUILT_IN_ROLES.administrator.name);
    expect(await dismissRecipientCapSuggestionAction(null, form({ serverId }))).toMatchObject({ ok: true });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBe(50);
    expect(await testDb().limitObservation.findMany({ where: { resolvedAt: null }, select: { perMessage: true } })).toEqual([{ perMessage: false }]);
    expect(await testDb().auditEntry.count({ where: { action: "mailserver.recipientCap.dismissed", entityId: serverId } })).toBe(1);
  });

  it("takes the cap from the observations, not from the form", async () => {
    await observe(5);
    currentUser = await userWithRole(BUILT_IN_ROLES.administrator.name);
    expect(await applyRecipientCapSuggestionAction(null, form({ serverId, maxRecipientsPerMessage: "1000" }))).toMatchObject({ ok: true });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBe(5);
  });

  it("has nothing to apply once the configured cap is already that low", async () => {
    await testDb().mailServer.update({ where: { id: serverId }, data: { maxRecipientsPerMessage: 4 } });
    await observe(5);
    currentUser = await userWithRole(BUILT_IN_ROLES.administrator.name);
    expect(await applyRecipientCapSuggestionAction(null, form({ serverId }))).toMatchObject({ ok: false, status: 409 });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: serverId } })).maxRecipientsPerMessage).toBe(4);
    expect(await testDb().auditEntry.count({ where: { action: "mailserver.recipientCap.learned" } })).toBe(0);
  });
});
