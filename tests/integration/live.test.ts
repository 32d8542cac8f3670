import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { effectivePermissions, Permission } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { senderLiveState, serverLiveState } from "@/lib/live/data.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Live status (issue 15): what a server's or sender's page polls while mail is pending. The
 * fingerprint changes when what the page shows changes, `pending` goes false when nothing is
 * left to wait for, and the route answers only a signed-in user with Mailservers inzien.
 */
let currentUser: CurrentUser | null = null;
vi.mock("@/lib/auth/session.ts", () => ({ getCurrentUser: async () => currentUser }));

const actor = { id: null, label: "test" };
let serverId: string;

beforeAll(() => {
  process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";
});

beforeEach(async () => {
  await resetDatabase();
  currentUser = null;
  const server = await createServer(
    testDb(),
    actor,
    serverFormSchema.parse({
      name: "Exchange werkgever",
      type: "GENERIC",
      host: "127.0.0.1",
      port: "2525",
      tlsMode: "STARTTLS",
      verifyCertificate: "",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
    }),
  );
  serverId = server.id;
});

async function queueMessage(fields: { serverId: string | null; senderId?: string; kind?: "APPLICATION" | "OWNERSHIP_CODE" | "CONFIGURATION_CODE" }) {
  return testDb().outboundMessage.create({
    data: {
      kind: fields.kind ?? "APPLICATION",
      serverId: fields.serverId,
      senderId: fields.senderId ?? null,
      fromName: "Verzuimteam",
      fromAddress: "verzuim@klant.example",
      to: ["iemand@klant.example"],
      recipientCount: 1,
      subject: "Test",
      text: "Test",
      messageIdHeader: `<${randomUUID()}@postkamer.test>`,
      giveUpAt: new Date(Date.now() + 86_400_000),
    },
  });
}

describe("a server's live state", () => {
  it("is pending while mail waits in its queue and changes its fingerprint when the queue does", async () => {
    const idle = await serverLiveState(testDb(), serverId);
    expect(idle).toMatchObject({ pending: false });
    const message = await queueMessage({ serverId });
    const queued = await serverLiveState(testDb(), serverId);
    expect(queued).toMatchObject({ pending: true });
    expect(queued!.version).not.toBe(idle!.version);
    await testDb().outboundMessage.update({ where: { id: message.id }, data: { status: "SENT", sentAt: new Date() } });
    const sent = await serverLiveState(testDb(), serverId);
    expect(sent).toMatchObject({ pending: false });
    expect(sent!.version).not.toBe(queued!.version);
  });

  it("is pending while the server is paused or deferred, even with an empty queue", async () => {
    await testDb().mailServer.update({ where: { id: serverId }, data: { pausedAt: new Date() } });
    expect(await serverLiveState(testDb(), serverId)).toMatchObject({ pending: true });
    await testDb().mailServer.update({ where: { id: serverId }, data: { pausedAt: null, deferredUntil: new Date(Date.now() + 60_000) } });
    expect(await serverLiveState(testDb(), serverId)).toMatchObject({ pending: true });
    await testDb().mailServer.update({ where: { id: serverId }, data: { deferredUntil: new Date(Date.now() - 1_000) } });
    expect(await serverLiveState(testDb(), serverId)).toMatchObject({ pending: false });
  });

  it("is null for a server that does not exist or an id that is not one", async () => {
    expect(await serverLiveState(testDb(), randomUUID())).toBeNull();
    expect(await serverLiveState(testDb(), "'; DROP TABLE x; --")).toBeNull();
  });
});

describe("a sender's live state", () => {
  it("is pending while a verification mail is on its way, and not once both are sent", async () => {
    const sender = await testDb().sender.create({ data: { serverId, displayName: "Verzuimteam", address: "verzuim@klant.example" } });
    const ownership = await queueMessage({ serverId: null, senderId: sender.id, kind: "OWNERSHIP_CODE" });
    const configuration = await queueMessage({ serverId, senderId: sender.id, kind: "CONFIGURATION_CODE" });
    await testDb().senderVerification.create({
      data: {
        senderId: sender.id,
        ownershipCodeHash: "x",
        configurationCodeHash: "y",
        ownershipMessageId: ownership.id,
        configurationMessageId: configuration.id,
        requestedByLabel: "test",
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    const queued = await senderLiveState(testDb(), sender.id);
    expect(queued).toMatchObject({ pending: true, serverId });
    await testDb().outboundMessage.update({ where: { id: ownership.id }, data: { status: "SENT", sentAt: new Date() } });
    const half = await senderLiveState(testDb(), sender.id);
    expect(half).toMatchObject({ pending: true });
    expect(half!.version).not.toBe(queued!.version);
    await testDb().outboundMessage.update({ where: { id: configuration.id }, data: { status: "SENT", sentAt: new Date() } });
    expect(await senderLiveState(testDb(), sender.id)).toMatchObject({ pending: false });
  });

  it("has nothing pending for a sender without a round", async () => {
    const sender = await testDb().sender.create({ data: { serverId, displayName: "Oud", address: "oud@klant.example", state: "VERIFIED" } });
    expect(await senderLiveState(testDb(), sender.id)).toMatchObject({ pending: false, serverId });
  });
});

describe("GET /api/live", () => {
  const get = async (query: string) => {
    const { GET } = await import("@/app/api/live/route.ts");
    return GET(new Request(`http://localhost/api/live?${query}`));
  };
  const user = (permissions: Permission[]): CurrentUser => ({ id: randomUUID(), email: "a@b.test", name: "A", permissions: effectivePermissions(permissions) });

  it("refuses without a session (401) and without Mailservers inzien (403)", async () => {
    expect((await get(`server=${serverId}`)).status).toBe(401);
    currentUser = user([Permission.TEMPLATES_EDIT, Permission.AUDIT_VIEW]);
    expect((await get(`server=${serverId}`)).status).toBe(403);
  });

  it("answers the fingerprint and whether anything is pending, and nothing more", async () => {
    currentUser = user([Permission.MAILSERVERS_VIEW]);
    await queueMessage({ serverId });
    const response = await get(`server=${serverId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["pending", "version"]);
    expect(body).toMatchObject({ pending: true, version: (await serverLiveState(testDb(), serverId))!.version });
  });

  it("refuses a malformed or doubled question (400) and an unknown id (404)", async () => {
    currentUser = user([Permission.MAILSERVERS_VIEW]);
    expect((await get("server=nope")).status).toBe(400);
    expect((await get("")).status).toBe(400);
    expect((await get(`server=${serverId}&sender=${serverId}`)).status).toBe(400);
    expect((await get(`sender=${randomUUID()}`)).status).toBe(404);
  });
});
