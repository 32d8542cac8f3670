import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServer, updateServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { addSender, resendCodes, verifySender } from "@/lib/senders/mutations.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";
import { startTestDns, type TestDns } from "../support/dns.ts";
import { smtpError, startTestSmtp, type ReceivedMail, type TestSmtp } from "../support/smtp.ts";

/**
 * Step 2 with real components on loopback: a DNS server that gives klant.example an MX on
 * 127.0.0.1, an SMTP server acting as that MX (on MX_PORT), and one acting as the customer's
 * own server with AUTH. The worker runs in this process on the test database.
 */
const PASSWORD = "Klant-Server-Wachtwoord-1";
const actor = { id: null, label: "beheerder@klant.example" };

let dns: TestDns;
let mx: TestSmtp;
let customer: TestSmtp;
let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;
let mxGreylist = 0;

function codeIn(mail: ReceivedMail): string {
  return /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(mail.raw)![1]!;
}

async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 45_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function finalStatus(messageId: string) {
  return waitFor(async () => {
    const message = await testDb().outboundMessage.findUnique({ where: { id: messageId } });
    return message && ["SENT", "FAILED"].includes(message.status) ? message : null;
  });
}

function serverForm(overrides: Record<string, unknown> = {}) {
  return serverFormSchema.parse({
    name: "Eigen Exchange",
    type: "GENERIC",
    host: "127.0.0.1",
    port: String(customer.port),
    tlsMode: "STARTTLS",
    verifyCertificate: "",
    authMethod: "PASSWORD",
    username: "verzuim@klant.example",
    password: PASSWORD,
    managedBy: "WERKGEVER",
    ...overrides,
  });
}

beforeAll(async () => {
  dns = await startTestDns({
    "klant.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] },
    "mx.klant.example": { A: ["127.0.0.1"] },
    "grijs.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] },
    "alleen-a.example": { A: ["127.0.0.1"] },
  });
  mx = await startTestSmtp({
    onRcptTo(address, _session, callback) {
      // grijs.example greylists the first delivery attempt, as many MX hosts do.
      if (address.address.endsWith("@grijs.example") && mxGreylist++ === 0) return callback(smtpError(451, "4.7.1 Greylisted, please try again later"));
      callback();
    },
  });
  customer = await startTestSmtp({
    auth: { user: "verzuim@klant.example", pass: PASSWORD },
    onMailFrom(address, _session, callback) {
      if (address.address === "sendas@klant.example") return callback(smtpError(550, "5.7.60 SMTP; Client does not have permissions to send as this sender"));
      callback();
    },
  });
  Object.assign(process.env, { DNS_SERVERS: dns.address, MX_PORT: String(mx.port), ALLOW_PRIVATE_SMTP_HOSTS: "1", RETRY_BASE_SECONDS: "1" });
  delete process.env.PLATFORM_SMTP_URL;
  jobs = await startJobs();
  boss = jobs.boss;
});

afterAll(async () => {
  await jobs.stop();
  await Promise.all([dns.close(), mx.close(), customer.close()]);
});

beforeEach(async () => {
  await resetDatabase();
  mx.received.length = 0;
  customer.received.length = 0;
});

async function addVerifiedSender(address = "verzuim@klant.example") {
  const server = await createServer(testDb(), actor, serverForm());
  const sender = await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Verzuimteam", address });
  await waitFor(() => mx.received.length === 1 && customer.received.length === 1);
  return { server, sender, ownershipCode: codeIn(mx.received[0]!), configurationCode: codeIn(customer.received[0]!) };
}

describe("adding a sender", () => {
  it("sends exactly one code to the domain's MX and one through the customer's server, with different codes", { timeout: 60_000 }, async () => {
    const { sender, ownershipCode, configurationCode } = await addVerifiedSender();
    expect(ownershipCode).not.toBe(configurationCode);
    const [ownership] = mx.received;
    const [configuration] = customer.received;
    expect(ownership!.to).toEqual(["verzuim@klant.example"]);
    expect(ownership!.from).toBe("postkamer@localhost");
    expect(ownership!.user).toBeUndefined();
    expect(configuration!.from).toBe("verzuim@klant.example");
    expect(configuration!.user).toBe("verzuim@klant.example");
    expect(configuration!.raw).toContain("From: Verzuimteam <verzuim@klant.example>");
    // The MX code never went through the customer's server, nor the other way round.
    expect(customer.received.map(codeIn)).not.toContain(ownershipCode);
    expect(mx.received.map(codeIn)).not.toContain(configurationCode);
    for (const mail of [ownership!, configuration!]) {
      expect(mail.raw).toContain("geldig tot");
      expect(mail.raw).toContain("valid until");
      expect(mail.raw).toContain("beheerder@klant.example");
    }
    const messages = await testDb().outboundMessage.findMany({ where: { senderId: sender.id }, include: { attempts: true } });
    const ownershipLog = messages.find((m) => m.kind === "OWNERSHIP_CODE")!;
    await finalStatus(ownershipLog.id);
    const logged = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ownershipLog.id }, include: { attempts: true } });
    expect(logged).toMatchObject({ serverId: null, status: "SENT" });
    expect(logged.attempts[0]).toMatchObject({ route: "mx", outcome: "SENT" });
    expect(logged.attempts[0]!.dns).toContain("mx.klant.example");
    const codeHashes = await testDb().senderVerification.findFirstOrThrow({ where: { senderId: sender.id } });
    expect(JSON.stringify(codeHashes)).not.toContain(ownershipCode);
  });

  it("refuses a domain without MX or address records, and stores nothing", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    await expect(addSender(testDb(), boss, actor, { serverId: server.id, displayName: "X", address: "iemand@bestaat-niet.example" })).rejects.toMatchObject({
      messageKey: "senders.errors.noMailHosts",
      field: "address",
    });
    expect(await testDb().sender.count()).toBe(0);
    expect(await testDb().outboundMessage.count()).toBe(0);
  });

  it("accepts a domain with only an address record (implicit MX)", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    await expect(addSender(testDb(), boss, actor, { serverId: server.id, displayName: "A", address: "a@alleen-a.example" })).resolves.toBeTruthy();
  });

  it("in trial mode (mail catcher on) accepts a domain without MX or address records, and says so", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    const sender = await addSender(
      testDb(),
      boss,
      actor,
      { serverId: server.id, displayName: "Proef", address: "proef@bestaat-niet.example" },
      undefined,
      true,
    );
    expect(sender.domainUnresolved).toBe(true);
    expect(await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).toMatchObject({ address: "proef@bestaat-niet.example", state: "PENDING" });
    // Both codes are on their way, to the Postvak in trial mode.
    expect(await testDb().outboundMessage.count({ where: { senderId: sender.id } })).toBe(2);
  });

  it("in trial mode accepts a domain the resolver cannot answer for; outside trial mode refuses it and stores nothing", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    const resolverDown = async () => ({ ok: false as const, reason: "DNS_FAILURE" });
    const input = { serverId: server.id, displayName: "Gefilterd", address: "info@gefilterd.example" };
    await expect(addSender(testDb(), boss, actor, input, resolverDown, false)).rejects.toMatchObject({
      messageKey: "senders.errors.dnsUnavailable",
      field: "address",
    });
    expect(await testDb().sender.count()).toBe(0);
    expect(await testDb().outboundMessage.count()).toBe(0);
    const sender = await addSender(testDb(), boss, actor, input, resolverDown, true);
    expect(sender.domainUnresolved).toBe(true);
    expect(await testDb().sender.count()).toBe(1);
  });

  it("outside trial mode a domain that resolves is not marked as let through", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    const sender = await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Klant", address: "info@klant.example" }, undefined, false);
    expect(sender.domainUnresolved).toBe(false);
  });
});

describe("entering the codes", () => {
  it("verifies the sender with the two codes entered the other way round", async () => {
    const { sender, ownershipCode, configurationCode } = await addVerifiedSender();
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: configurationCode, code2: ownershipCode.toLowerCase() })).resolves.toEqual({
      ok: true,
    });
    const verified = await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } });
    expect(verified.state).toBe("VERIFIED");
    expect(verified.ownershipVerifiedAt).not.toBeNull();
    expect(verified.configurationVerifiedAt).not.toBeNull();
  });

  it("counts a wrong code, and locks the codes after five wrong tries", async () => {
    const { sender, ownershipCode, configurationCode } = await addVerifiedSender();
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: ownershipCode, code2: "AAAAA-AAAAA" })).resolves.toEqual({
      ok: false,
      reason: "wrong",
      triesLeft: 4,
    });
    for (let i = 0; i < 3; i++) await verifySender(testDb(), actor, { senderId: sender.id, code1: "x", code2: "y" });
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: "x", code2: "y" })).resolves.toEqual({ ok: false, reason: "locked" });
    expect((await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).state).toBe("BLOCKED");
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: ownershipCode, code2: configurationCode })).rejects.toMatchObject({
      messageKey: "senders.errors.locked",
    });
  });

  it("refuses an expired code", async () => {
    const { sender, ownershipCode, configurationCode } = await addVerifiedSender();
    await testDb().senderVerification.updateMany({ where: { senderId: sender.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: ownershipCode, code2: configurationCode })).rejects.toMatchObject({
      messageKey: "senders.errors.expired",
    });
  });

  it("makes old codes stop working when codes are sent again, and limits resending", async () => {
    const { sender, ownershipCode, configurationCode } = await addVerifiedSender();
    await expect(resendCodes(testDb(), boss, actor, sender.id)).rejects.toMatchObject({ messageKey: "senders.errors.resendTooSoon" });
    await testDb().senderVerification.updateMany({ where: { senderId: sender.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    await resendCodes(testDb(), boss, actor, sender.id);
    await waitFor(() => mx.received.length === 2 && customer.received.length === 2);
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: ownershipCode, code2: configurationCode })).resolves.toMatchObject({ ok: false });
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: codeIn(mx.received[1]!), code2: codeIn(customer.received[1]!) })).resolves.toEqual(
      { ok: true },
    );
  });
});

describe("when things change or fail", () => {
  it("moves a verified sender to 'opnieuw verifiëren' when the server's connection changes; one new code through the server suffices", async () => {
    const { server, sender, ownershipCode, configurationCode } = await addVerifiedSender();
    await verifySender(testDb(), actor, { senderId: sender.id, code1: ownershipCode, code2: configurationCode });
    await updateServer(
      testDb(),
      actor,
      server.id,
      serverForm({ password: "", username: "verzuim@klant.example", heloName: "postkamer.test", port: String(customer.port) }),
    );
    expect((await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).state).toBe("VERIFIED");
    await updateServer(testDb(), actor, server.id, serverForm({ password: PASSWORD }));
    const changed = await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } });
    expect(changed.state).toBe("REVERIFY");
    expect(changed.ownershipVerifiedAt).not.toBeNull();
    expect(changed.configurationVerifiedAt).toBeNull();

    await resendCodes(testDb(), boss, actor, sender.id);
    await waitFor(() => customer.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mx.received).toHaveLength(1);
    await expect(verifySender(testDb(), actor, { senderId: sender.id, code1: "", code2: codeIn(customer.received[1]!) })).resolves.toEqual({ ok: true });
  });

  it("delivers the MX code on a later attempt after a 451 greylisting reply", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    const sender = await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Grijs", address: "info@grijs.example" });
    const ownership = await testDb().outboundMessage.findFirstOrThrow({ where: { senderId: sender.id, kind: "OWNERSHIP_CODE" } });
    const final = await finalStatus(ownership.id);
    expect(final.status).toBe("SENT");
    const attempts = await testDb().deliveryAttempt.findMany({ where: { messageId: ownership.id }, orderBy: { id: "asc" } });
    expect(attempts.map((a) => a.outcome)).toEqual(["RETRY", "SENT"]);
    expect(attempts[0]!.responseCode).toBe(451);
    expect(mx.received.filter((m) => m.to.includes("info@grijs.example"))).toHaveLength(1);
  });

  it("shows why the customer's server refused the sender (Send As), and leaves the sender unverified", async () => {
    const server = await createServer(testDb(), actor, serverForm());
    const sender = await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Zonder recht", address: "sendas@klant.example" });
    const configuration = await testDb().outboundMessage.findFirstOrThrow({ where: { senderId: sender.id, kind: "CONFIGURATION_CODE" } });
    const final = await finalStatus(configuration.id);
    expect(final.status).toBe("FAILED");
    expect(final.lastResponseCode).toBe(550);
    const [attempt] = await testDb().deliveryAttempt.findMany({ where: { messageId: configuration.id } });
    expect(attempt!.explanationId).toBe("send-as-denied");
    expect(attempt!.route).toBe("server");
    expect((await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).state).toBe("PENDING");
    expect(customer.received).toHaveLength(0);
  });
});
