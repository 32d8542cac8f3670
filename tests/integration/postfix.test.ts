import { createConnection } from "node:net";
import nodemailer from "nodemailer";
import type { PgBoss } from "pg-boss";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import { resumeDelivery, updateServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { loopbackServer } from "../support/delivery.ts";
import { startJobs } from "../support/jobs.ts";
import { recipientsByMessageId, startPostfix, type PostfixInstance, type PostfixOptions } from "../support/postfix.ts";

/**
 * Debian's Postfix as the customer's server (issue 11): a private instance per test, relaying to
 * the test's own sink. First the harness itself and the replies Postfix really gives, then
 * Postkamer's delivery against it: every recipient exactly once, split messages resumed, a
 * server that requires STARTTLS paused, anvil's rates met without loss, duplicates or reordering.
 */
Object.assign(process.env, { RETRY_BASE_SECONDS: "1", ALLOW_PRIVATE_SMTP_HOSTS: "1", SMTP_TIMEOUT_SECONDS: "5" });

const instances: PostfixInstance[] = [];
afterEach(async () => {
  while (instances.length) await instances.pop()!.close();
});

async function postfix(options: PostfixOptions = {}) {
  const instance = await startPostfix(options);
  instances.push(instance);
  return instance;
}

/** A plain nodemailer client straight to the Postfix port (no pool: one connection per message). */
function client(port: number, options: { ignoreTLS?: boolean; requireTLS?: boolean } = {}) {
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: options.ignoreTLS ?? true,
    requireTLS: options.requireTLS ?? false,
    tls: { rejectUnauthorized: false },
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
}

function mail(index: number, to: string[], cc: string[] = []) {
  return {
    from: "verzuim@klant.example",
    to,
    cc,
    subject: `Bericht ${index}`,
    text: `Inhoud ${index}`,
    messageId: `<harness-${index}-${Date.now()}@postkamer.test>`,
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const refusedConnection = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

const rcpts = (count: number, prefix = "r") => Array.from({ length: count }, (_, i) => `${prefix}${i}@extern.example`);

describe("the Postfix harness", () => {
  it("relays a message sent straight to Postfix to the sink, with its envelope and Message-ID", async () => {
    const pf = await postfix();
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = mail(i, [`a${i}@extern.example`], [`b${i}@extern.example`]);
      const info = await client(pf.port).sendMail(sent);
      const handedOver = Date.now();
      expect(info.accepted).toEqual([`a${i}@extern.example`, `b${i}@extern.example`]);
      expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as \w+$/);
      await waitFor(() => pf.sink.received.length === i + 1, 5_000);
      latencies.push(pf.sink.received[i]!.receivedAt - handedOver);
      expect(recipientsByMessageId(pf.sink.received).get(sent.messageId.slice(1, -1))?.sort()).toEqual([`a${i}@extern.example`, `b${i}@extern.example`]);
    }
    console.log(`Postfix hand-over → sink: ${latencies.join(", ")} ms`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    await waitFor(async () => (await pf.acceptedMessageIds()).length === 5, 2_000);
  });

  it("answers RCPT 6+ with 452 4.5.3 under smtpd_recipient_limit = 5 and relays the first 5", async () => {
    const pf = await postfix({ main: { smtpd_recipient_limit: 5 } });
    const sent = mail(0, rcpts(6, "to"), rcpts(6, "cc"));
    const info = await client(pf.port).sendMail(sent);
    expect(info.accepted).toEqual([...rcpts(5, "to")]);
    expect(info.rejected).toEqual([...rcpts(6, "to").slice(5), ...rcpts(6, "cc")]);
    const errors = (info as { rejectedErrors?: { responseCode?: number; response?: string }[] }).rejectedErrors ?? [];
    expect(errors).toHaveLength(7);
    expect(errors.every((e) => e.responseCode === 452 && e.response === "452 4.5.3 Error: too many recipients")).toBe(true);
    await waitFor(() => (recipientsByMessageId(pf.sink.received).get(sent.messageId.slice(1, -1))?.length ?? 0) === 5, 5_000);
    expect(recipientsByMessageId(pf.sink.received).get(sent.messageId.slice(1, -1))?.sort()).toEqual(rcpts(5, "to"));
  });

  it("refuses the third message in a 10 s unit with 450 4.7.1 at MAIL FROM under smtpd_client_message_rate_limit = 2", async () => {
    const pf = await postfix({ main: { smtpd_client_message_rate_limit: 2, anvil_rate_time_unit: "10s" } });
    await client(pf.port).sendMail(mail(0, ["a@extern.example"]));
    await client(pf.port).sendMail(mail(1, ["b@extern.example"]));
    const error = await client(pf.port)
      .sendMail(mail(2, ["c@extern.example"]))
      .then(
        () => undefined,
        (e: { responseCode?: number; response?: string; command?: string }) => e,
      );
    expect(error?.responseCode).toBe(450);
    expect(error?.command).toBe("MAIL FROM");
    expect(error?.response).toBe("450 4.7.1 Error: too much mail from 127.0.0.1");
    // postlogd writes the maillog a moment after the reply went out.
    await waitFor(async () => /Message delivery request rate limit exceeded: 3 from localhost\[127\.0\.0\.1\] for service/.test(await pf.log()), 2_000);
    await waitFor(() => pf.sink.received.length === 2, 5_000);
  });

  it("refuses recipients beyond smtpd_client_recipient_rate_limit with 450 4.7.1 at RCPT TO", async () => {
    const pf = await postfix({ main: { smtpd_client_recipient_rate_limit: 3, anvil_rate_time_unit: "10s" } });
    const info = await client(pf.port).sendMail(mail(0, rcpts(5)));
    expect(info.accepted).toEqual(rcpts(3));
    const errors = (info as { rejectedErrors?: { responseCode?: number; response?: string }[] }).rejectedErrors ?? [];
    expect(errors.map((e) => e.response)).toEqual([
      "450 4.7.1 Error: too many recipients from 127.0.0.1",
      "450 4.7.1 Error: too many recipients from 127.0.0.1",
    ]);
  });

  it("refuses one recipient for good through a check_recipient_access map and takes the others", async () => {
    const pf = await postfix({
      main: { smtpd_recipient_restrictions: "check_recipient_access texthash:$config_directory/refused, permit_mynetworks, reject" },
      files: { refused: "weg@extern.example 550 5.1.1 Mailbox unavailable\n" },
    });
    const info = await client(pf.port).sendMail(mail(0, ["a@extern.example", "weg@extern.example", "b@extern.example"]));
    expect(info.accepted).toEqual(["a@extern.example", "b@extern.example"]);
    const errors = (info as { rejectedErrors?: { responseCode?: number; response?: string }[] }).rejectedErrors ?? [];
    expect(errors.map((e) => e.response)).toEqual(["550 5.1.1 <weg@extern.example>: Recipient address rejected: Mailbox unavailable"]);
    await waitFor(() => pf.sink.received.length === 1, 5_000);
  });

  it("answers 530 5.7.0 at MAIL FROM when TLS is required and the client does not STARTTLS, and relays over STARTTLS", async () => {
    const pf = await postfix({ main: { smtpd_tls_security_level: "encrypt" } });
    const error = await client(pf.port, { ignoreTLS: true })
      .sendMail(mail(0, ["a@extern.example"]))
      .then(
        () => undefined,
        (e: { responseCode?: number; response?: string; command?: string }) => e,
      );
    expect(error?.responseCode).toBe(530);
    expect(error?.command).toBe("MAIL FROM");
    expect(error?.response).toBe("530 5.7.0 Must issue a STARTTLS command first");
    const info = await client(pf.port, { ignoreTLS: false, requireTLS: true }).sendMail(mail(1, ["a@extern.example"]));
    expect(info.accepted).toEqual(["a@extern.example"]);
    await waitFor(() => pf.sink.received.length === 1, 5_000);
  });

  it("stops and starts on the same port with its queue, and leaves no process behind", async () => {
    const pf = await startPostfix();
    try {
      await client(pf.port).sendMail(mail(0, ["a@extern.example"]));
      await pf.stop();
      expect(await pf.processes()).toEqual([]);
      expect(await refusedConnection(pf.port)).toBe(true);
      await pf.start();
      await client(pf.port).sendMail(mail(1, ["b@extern.example"]));
      await waitFor(() => pf.sink.received.length === 2, 5_000);
      expect(await pf.processes()).not.toEqual([]);
    } finally {
      await pf.close();
    }
    expect(await pf.processes()).toEqual([]);
    // A second instance right after, in the same file, with its own everything.
    const next = await postfix();
    expect(next.dir).not.toBe(pf.dir);
    await client(next.port).sendMail(mail(2, ["c@extern.example"]));
    await waitFor(() => next.sink.received.length === 1, 5_000);
  });
});

// ---------------------------------------------------------------------------------------------
// Postkamer's delivery against Postfix.

const actor = { id: null, label: "test" };
const FINAL = ["SENT", "PARTIALLY_SENT", "FAILED", "CANCELLED"];

type Submitted = { id: string; index: number; recipients: string[]; messageId: string };

/** Submits messages for a server in order (subject "Bericht i"), each with its own To/Cc. */
async function submit(boss: PgBoss, serverId: string, list: { to: string[]; cc?: string[] }[]): Promise<Submitted[]> {
  const submitted: Submitted[] = [];
  await testDb().$transaction(
    async (tx) => {
      for (const [index, message] of list.entries()) {
        const { id } = await queueMessage(tx, boss, {
          kind: "APPLICATION",
          serverId,
          from: { name: "Verzuimteam", address: "verzuim@klant.example" },
          to: message.to,
          cc: message.cc ?? [],
          subject: `Bericht ${index}`,
          text: `Inhoud ${index}`,
          giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
        });
        submitted.push({ id, index, recipients: [...message.to, ...(message.cc ?? [])], messageId: `${id}@klant.example` });
      }
    },
    { timeout: 60_000 },
  );
  return submitted;
}

const messages = (sent: Submitted[]) => testDb().outboundMessage.findMany({ where: { id: { in: sent.map((m) => m.id) } }, orderBy: { seq: "asc" } });

/** Every message final and every expected recipient at the sink — or the time is up; asserts nothing. */
async function settle(pf: PostfixInstance, sent: Submitted[], timeoutMs: number, refused: string[] = []) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await messages(sent);
    const arrived = recipientsByMessageId(pf.sink.received);
    const done =
      rows.every((m) => FINAL.includes(m.status)) &&
      sent.every((m) => m.recipients.filter((r) => !refused.includes(r)).every((r) => arrived.get(m.messageId)?.includes(r)));
    if (done || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // What Postfix still relays (a duplicate) arrives within a second.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

/** Each recipient of each message arrived exactly once (per Message-ID at the sink); `refused` never. */
function expectEachRecipientOnce(pf: PostfixInstance, sent: Submitted[], refused: string[] = []) {
  const arrived = recipientsByMessageId(pf.sink.received);
  for (const message of sent) {
    const expected = message.recipients.filter((r) => !refused.includes(r)).sort();
    expect((arrived.get(message.messageId) ?? []).sort(), `recipients of Bericht ${message.index} at the sink`).toEqual(expected);
  }
  const unknown = [...arrived.keys()].filter((id) => !sent.some((m) => m.messageId === id));
  expect(unknown, "messages at the sink that were not submitted (bounces?)").toEqual([]);
}

/** Duplicates only where the Logging marks the message as a possible duplicate; nothing lost. */
async function expectNothingLostDuplicatesMarked(pf: PostfixInstance, sent: Submitted[]) {
  const arrived = recipientsByMessageId(pf.sink.received);
  const rows = new Map((await messages(sent)).map((m) => [m.id, m]));
  for (const message of sent) {
    const got = arrived.get(message.messageId) ?? [];
    for (const recipient of message.recipients) {
      const copies = got.filter((r) => r === recipient).length;
      expect(copies, `${recipient} of Bericht ${message.index} never arrived`).toBeGreaterThanOrEqual(1);
      if (copies > 1) expect(rows.get(message.id)?.possibleDuplicate, `${recipient} of Bericht ${message.index} arrived ${copies}× unmarked`).toBe(true);
    }
  }
}

/** Subject indexes in the order Postfix accepted the messages (its cleanup log), each once. */
async function acceptedOrder(pf: PostfixInstance, sent: Submitted[]) {
  const index = new Map(sent.map((m) => [m.messageId, m.index]));
  return [...new Set(await pf.acceptedMessageIds())].map((id) => index.get(id) ?? -1);
}

/** One line per run for the CI log: how often Postfix throttled and what Postkamer learned from it. */
async function report(name: string, pf: PostfixInstance, sent: Submitted[], started: number) {
  const log = await pf.log();
  const attempts = await testDb().deliveryAttempt.groupBy({ by: ["outcome"], where: { messageId: { in: sent.map((m) => m.id) } }, _count: true });
  const rows = await messages(sent);
  const observations = await testDb().limitObservation.findMany({ where: { serverId: rows[0]?.serverId ?? undefined } });
  const arrived = recipientsByMessageId(pf.sink.received);
  const extra = sent.reduce((n, m) => n + Math.max(0, (arrived.get(m.messageId)?.length ?? 0) - new Set(arrived.get(m.messageId)).size), 0);
  console.log(
    `${name}: ${((Date.now() - started) / 1000).toFixed(1)} s; Postfix refused ${count(log, /Message delivery request rate limit exceeded/)} MAIL FROM, ` +
      `${count(log, /Recipient address rate limit exceeded/)} RCPT; attempts ${attempts.map((a) => `${a.outcome}×${a._count}`).join(" ")}; ` +
      `observations [${observations.map((o) => `${o.observed}${o.perMessage ? " per message" : ` per ${o.windowSize} ${o.window}`}`).join(", ")}]; ` +
      `duplicate copies at the sink ${extra}, marked possible duplicates ${rows.filter((m) => m.possibleDuplicate).length}`,
  );
}

const statusesOf = async (sent: Submitted[]) => (await messages(sent)).map((m) => m.status);
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, "g"))?.length ?? 0;
const addresses = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}@extern.example`);

/** The administrator's change: the same server, now with STARTTLS (no certificate check). */
async function switchToStartTls(serverId: string, port: number) {
  await updateServer(
    testDb(),
    actor,
    serverId,
    serverFormSchema.parse({
      name: "Loopback",
      type: "GENERIC",
      host: "127.0.0.1",
      port: String(port),
      tlsMode: "STARTTLS",
      acceptInsecure: "",
      verifyCertificate: "",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
      maxRecipientsPerMessage: "",
      limitCount: [],
      limitSize: [],
      limitWindow: [],
      limitUnit: [],
    }),
  );
}

describe("Postkamer's delivery through Postfix", () => {
  let boss: PgBoss;
  let jobs: Awaited<ReturnType<typeof startJobs>>;

  beforeAll(async () => {
    jobs = await startJobs();
    boss = jobs.boss;
  });
  afterAll(async () => {
    await jobs.stop();
  });
  beforeEach(() => resetDatabase());

  it("delivers every recipient of a 12-recipient message exactly once when Postfix takes 5 per transaction (no cap)", { timeout: 60_000 }, async () => {
    const pf = await postfix({ main: { smtpd_recipient_limit: 5 } });
    const server = await loopbackServer(testDb(), pf.port, { plain: true });
    const started = Date.now();
    const sent = await submit(boss, server.id, [{ to: addresses(6, "to"), cc: addresses(6, "cc") }]);
    await settle(pf, sent, 30_000);
    await report("recipient limit 5, no cap", pf, sent, started);
    expectEachRecipientOnce(pf, sent);
    expect(await statusesOf(sent)).toEqual(["SENT"]);
    // "452 4.5.3 too many recipients" after 5: an observation of the server's per-message cap.
    const caps = await testDb().limitObservation.findMany({ where: { serverId: server.id, perMessage: true } });
    expect(caps.map((o) => o.observed)).toContain(5);
  });

  it("delivers every recipient exactly once with a Postkamer cap of 10 above Postfix's 5", { timeout: 60_000 }, async () => {
    const pf = await postfix({ main: { smtpd_recipient_limit: 5 } });
    const server = await loopbackServer(testDb(), pf.port, { plain: true, maxRecipients: 10 });
    const started = Date.now();
    const sent = await submit(boss, server.id, [{ to: addresses(6, "to"), cc: addresses(6, "cc") }]);
    await settle(pf, sent, 30_000);
    await report("recipient limit 5, cap 10", pf, sent, started);
    expectEachRecipientOnce(pf, sent);
    expect(await statusesOf(sent)).toEqual(["SENT"]);
  });

  it("fails only the recipient refused for good (550) and delivers the others: PARTIALLY_SENT", { timeout: 60_000 }, async () => {
    const pf = await postfix({
      main: { smtpd_recipient_restrictions: "check_recipient_access texthash:$config_directory/refused, permit_mynetworks, reject" },
      files: { refused: "weg@extern.example 550 5.1.1 Mailbox unavailable\n" },
    });
    const server = await loopbackServer(testDb(), pf.port, { plain: true });
    const started = Date.now();
    const sent = await submit(boss, server.id, [
      { to: ["a@extern.example", "weg@extern.example", "b@extern.example"], cc: ["c@extern.example"] },
      { to: ["d@extern.example"] },
    ]);
    await settle(pf, sent, 30_000, ["weg@extern.example"]);
    await report("one recipient refused for good", pf, sent, started);
    expectEachRecipientOnce(pf, sent, ["weg@extern.example"]);
    const [partial, next] = await messages(sent);
    expect(partial!.status).toBe("PARTIALLY_SENT");
    expect(next!.status).toBe("SENT");
    expect(partial!.recipientOutcomes).toMatchObject({
      "weg@extern.example": { state: "FAILED", code: 550 },
      "a@extern.example": { state: "DELIVERED" },
      "b@extern.example": { state: "DELIVERED" },
      "c@extern.example": { state: "DELIVERED" },
    });
    expect((partial!.recipientOutcomes as Record<string, { reply?: string }>)["weg@extern.example"]?.reply).toMatch(
      /Recipient address rejected: Mailbox unavailable/,
    );
    // One recipient refused for good is not the server's fault: it keeps delivering.
    const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(row.pausedAt).toBeNull();
  });

  it("resumes a split message throttled half-way without sending a part again (cap 5, Postfix 2 messages per 10 s)", { timeout: 60_000 }, async () => {
    const pf = await postfix({ main: { smtpd_client_message_rate_limit: 2, anvil_rate_time_unit: "10s" } });
    const server = await loopbackServer(testDb(), pf.port, { plain: true, maxRecipients: 5 });
    const started = Date.now();
    const sent = await submit(boss, server.id, [{ to: addresses(12, "r") }]);
    await settle(pf, sent, 40_000);
    await report("split message throttled half-way", pf, sent, started);
    expectEachRecipientOnce(pf, sent);
    expect(await statusesOf(sent)).toEqual(["SENT"]);
    const log = await pf.log();
    // Three parts at Postfix: the 5 + 5 before the throttle and the 2 after it, each accepted once.
    expect((await pf.acceptedMessageIds()).filter((id) => id === sent[0]!.messageId)).toHaveLength(3);
    expect(count(log, /Message delivery request rate limit exceeded/)).toBeGreaterThanOrEqual(1);
  });

  it(
    "pauses a server that requires STARTTLS while set to no encryption, keeps the mail, and delivers it after the switch and resume",
    { timeout: 60_000 },
    async () => {
      const pf = await postfix({ main: { smtpd_tls_security_level: "encrypt" } });
      const server = await loopbackServer(testDb(), pf.port, { plain: true });
      const started = Date.now();
      const sent = await submit(
        boss,
        server.id,
        Array.from({ length: 3 }, (_, i) => ({ to: [`ontvanger-${i}@extern.example`] })),
      );
      const paused = async () => (await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).pausedAt !== null;
      const failed = async () => (await statusesOf(sent)).includes("FAILED");
      const deadline = Date.now() + 20_000;
      while (!(await paused()) && !(await failed()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
      expect(await statusesOf(sent)).not.toContain("FAILED");
      expect(row.pausedAt).not.toBeNull();
      expect(row.pausedReason).toBe("starttls-required");
      expect(pf.sink.received).toHaveLength(0);

      await switchToStartTls(server.id, pf.port);
      await resumeDelivery(testDb(), boss, actor, server.id);
      await settle(pf, sent, 20_000);
      await report("STARTTLS required", pf, sent, started);
      expectEachRecipientOnce(pf, sent);
      expect(await statusesOf(sent)).toEqual(["SENT", "SENT", "SENT"]);
      expect(await acceptedOrder(pf, sent)).toEqual([0, 1, 2]);
    },
  );

  describe("anvil's message rate", () => {
    it(
      "meets a matching Postkamer limit (both 5 per 10 s, 20 messages): 0 lost, 0 duplicated, in order, at most one boundary reply",
      { timeout: 60_000 },
      async () => {
        const pf = await postfix({ main: { smtpd_client_message_rate_limit: 5, anvil_rate_time_unit: "10s" } });
        const server = await loopbackServer(testDb(), pf.port, { plain: true, limits: [{ count: 5, size: 10, window: "SECOND", unit: "MESSAGES" }] });
        const started = Date.now();
        const sent = await submit(
          boss,
          server.id,
          Array.from({ length: 20 }, (_, i) => ({ to: [`ontvanger-${i}@extern.example`] })),
        );
        await settle(pf, sent, 55_000);
        await report("message rate, matching", pf, sent, started);
        expectEachRecipientOnce(pf, sent);
        expect(await statusesOf(sent)).toEqual(sent.map(() => "SENT"));
        expect(await acceptedOrder(pf, sent)).toEqual(sent.map((m) => m.index));
        expect(count(await pf.log(), /Message delivery request rate limit exceeded/), "throttle replies from Postfix").toBeLessThanOrEqual(1);
        expect(await testDb().deliveryAttempt.count({ where: { messageId: { in: sent.map((m) => m.id) }, outcome: "DEFERRED" } })).toBeLessThanOrEqual(1);
        const below = await testDb().limitObservation.findMany({ where: { serverId: server.id, perMessage: false, observed: { lt: 5 } } });
        expect(
          below.map((o) => `${o.observed} per ${o.windowSize} ${o.window}`),
          "ceiling suggestions below Postfix's real 5",
        ).toEqual([]);
      },
    );

    it("meets Postfix's 5 per 10 s under a higher Postkamer limit (10 per 10 s): 0 lost, 0 duplicated, in order", { timeout: 60_000 }, async () => {
      const pf = await postfix({ main: { smtpd_client_message_rate_limit: 5, anvil_rate_time_unit: "10s" } });
      const server = await loopbackServer(testDb(), pf.port, { plain: true, limits: [{ count: 10, size: 10, window: "SECOND", unit: "MESSAGES" }] });
      const started = Date.now();
      const sent = await submit(
        boss,
        server.id,
        Array.from({ length: 15 }, (_, i) => ({ to: [`ontvanger-${i}@extern.example`] })),
      );
      await settle(pf, sent, 55_000);
      await report("message rate, Postkamer higher", pf, sent, started);
      expectEachRecipientOnce(pf, sent);
      expect(await statusesOf(sent)).toEqual(sent.map(() => "SENT"));
      expect(await acceptedOrder(pf, sent)).toEqual(sent.map((m) => m.index));
      expect(count(await pf.log(), /Message delivery request rate limit exceeded/)).toBeGreaterThanOrEqual(1);
      const below = await testDb().limitObservation.findMany({ where: { serverId: server.id, perMessage: false, observed: { lt: 5 } } });
      expect(
        below.map((o) => `${o.observed} per ${o.windowSize} ${o.window}`),
        "ceiling suggestions below Postfix's real 5",
      ).toEqual([]);
    });
  });

  describe("anvil's recipient rate", () => {
    it(
      "meets a matching Postkamer limit (both 10 recipients per 10 s, 15 messages × 2): 0 lost, 0 duplicated, in order, at most one boundary reply",
      { timeout: 60_000 },
      async () => {
        const pf = await postfix({ main: { smtpd_client_recipient_rate_limit: 10, anvil_rate_time_unit: "10s" } });
        const server = await loopbackServer(testDb(), pf.port, { plain: true, limits: [{ count: 10, size: 10, window: "SECOND", unit: "RECIPIENTS" }] });
        const started = Date.now();
        const sent = await submit(
          boss,
          server.id,
          Array.from({ length: 15 }, (_, i) => ({ to: [`a${i}@extern.example`, `b${i}@extern.example`] })),
        );
        await settle(pf, sent, 55_000);
        await report("recipient rate, matching", pf, sent, started);
        expectEachRecipientOnce(pf, sent);
        expect(await statusesOf(sent)).toEqual(sent.map(() => "SENT"));
        expect(await acceptedOrder(pf, sent)).toEqual(sent.map((m) => m.index));
        const log = await pf.log();
        // One refused transaction logs one warning per refused RCPT, in one run; count runs.
        const runs = log
          .split("\n")
          .reduce(
            (n, line, i, lines) =>
              n + (/Recipient address rate limit exceeded/.test(line) && !/Recipient address rate limit exceeded/.test(lines[i - 1] ?? "") ? 1 : 0),
            0,
          );
        expect(runs, "transactions Postfix throttled").toBeLessThanOrEqual(1);
        expect(count(log, /Recipient address rate limit exceeded/), "recipients Postfix refused").toBeLessThanOrEqual(2);
        const below = await testDb().limitObservation.findMany({ where: { serverId: server.id, perMessage: false, observed: { lt: 10 } } });
        expect(
          below.map((o) => `${o.observed} per ${o.windowSize} ${o.window} ${o.unit}`),
          "ceiling suggestions below Postfix's real 10",
        ).toEqual([]);
      },
    );

    it(
      "meets Postfix's 10 recipients per 10 s under a higher Postkamer limit (20 per 10 s, 3-recipient messages, some refused half-way): each recipient once, in order",
      { timeout: 60_000 },
      async () => {
        const pf = await postfix({ main: { smtpd_client_recipient_rate_limit: 10, anvil_rate_time_unit: "10s" } });
        const server = await loopbackServer(testDb(), pf.port, { plain: true, limits: [{ count: 20, size: 10, window: "SECOND", unit: "RECIPIENTS" }] });
        const started = Date.now();
        const sent = await submit(
          boss,
          server.id,
          Array.from({ length: 8 }, (_, i) => ({ to: [`a${i}@extern.example`, `b${i}@extern.example`, `c${i}@extern.example`] })),
        );
        await settle(pf, sent, 55_000);
        await report("recipient rate, Postkamer higher", pf, sent, started);
        expectEachRecipientOnce(pf, sent);
        expect(await statusesOf(sent)).toEqual(sent.map(() => "SENT"));
        // A message whose recipients were taken in two transactions appears twice; the first time counts for order.
        expect(await acceptedOrder(pf, sent)).toEqual(sent.map((m) => m.index));
        expect(count(await pf.log(), /Recipient address rate limit exceeded/)).toBeGreaterThanOrEqual(1);
      },
    );
  });

  it("loses and duplicates nothing when Postfix is stopped and started mid-run", { timeout: 60_000 }, async () => {
    const pf = await postfix();
    const server = await loopbackServer(testDb(), pf.port, { plain: true, limits: [{ count: 5, window: "SECOND", unit: "MESSAGES" }] });
    const started = Date.now();
    const sent = await submit(
      boss,
      server.id,
      Array.from({ length: 30 }, (_, i) => ({ to: [`ontvanger-${i}@extern.example`] })),
    );
    const deadline = Date.now() + 20_000;
    while ((await pf.acceptedMessageIds()).length < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await pf.stop();
    const acceptedBeforeStop = new Set(await pf.acceptedMessageIds()).size;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await pf.start();
    await settle(pf, sent, 45_000);
    await report("stopped and started mid-run", pf, sent, started);
    expect(acceptedBeforeStop).toBeGreaterThanOrEqual(8);
    expect(acceptedBeforeStop).toBeLessThan(30);
    await expectNothingLostDuplicatesMarked(pf, sent);
    expect(await statusesOf(sent)).toEqual(sent.map(() => "SENT"));
    const duplicated = sent.filter((m) => (recipientsByMessageId(pf.sink.received).get(m.messageId)?.length ?? 0) > 1);
    expect(duplicated.length, "messages that arrived twice").toBeLessThanOrEqual(1);
  });
});
