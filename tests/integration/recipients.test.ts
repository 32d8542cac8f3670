import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainServer } from "@/lib/delivery/engine.ts";
import { suggestRecipientCap } from "@/lib/delivery/data.ts";
import { readRecipientOutcomes } from "@/lib/delivery/recipients.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";
import { loopbackServer, submitMany } from "../support/delivery.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * Per-recipient outcomes against scripted SMTP servers (the faults Postfix cannot be made to
 * produce on demand; tests/integration/postfix.test.ts has the real ones): every recipient the
 * server accepted is delivered exactly once, whatever happens to the others.
 */
process.env.RETRY_BASE_SECONDS = "1";
process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";

let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;
const sinks: TestSmtp[] = [];

beforeAll(async () => {
  jobs = await startJobs({ worker: false });
  boss = jobs.boss;
});
afterAll(async () => {
  await jobs.stop();
  await Promise.all(sinks.map((s) => s.close()));
});
beforeEach(() => resetDatabase());

async function sink(options: Parameters<typeof startTestSmtp>[0] = {}) {
  const smtp = await startTestSmtp(options);
  sinks.push(smtp);
  return smtp;
}

const drain = (serverId: string) => drainServer(testDb(), serverId, { workerId: "recipients-test", maxMs: 20_000 });
const twelve = Array.from({ length: 12 }, (_, i) => `r${i}@extern.example`);

/** How often each address arrived at the server, over all transactions. */
function deliveries(smtp: TestSmtp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of smtp.received) for (const to of mail.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

function expectEachOnce(smtp: TestSmtp, addresses: string[]) {
  const counts = deliveries(smtp);
  for (const address of addresses) expect(counts.get(address), address).toBe(1);
}

describe("every recipient exactly once", () => {
  it("sends the recipients a server's per-message cap refused (452 4.5.3) in the next transaction at once, and learns the cap", async () => {
    const smtp = await sink({
      onRcptTo(_address, session, callback) {
        if (session.envelope.rcptTo.length >= 5) return callback(smtpError(452, "4.5.3 Error: too many recipients"));
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port);
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => twelve);
    const result = await drain(server.id);

    expect(result.sent).toBe(1);
    expect(smtp.received.map((m) => m.to.length)).toEqual([5, 5, 2]);
    expectEachOnce(smtp, twelve);
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: id! } });
    expect(message.status).toBe("SENT");
    expect(Object.values(readRecipientOutcomes(message.recipientOutcomes)).every((o) => o.state === "DELIVERED")).toBe(true);
    // Every part carried the same Message-ID: one message for the recipients and the log.
    expect(new Set(smtp.received.map((m) => /Message-ID: (\S+)/i.exec(m.raw)![1])).size).toBe(1);
    expect(await suggestRecipientCap(testDb(), server.id)).toMatchObject({ observed: 5, configured: null });
  });

  it("fails a recipient refused for good alone: the others are delivered and the message is 'Deels verzonden'", async () => {
    const smtp = await sink({
      onRcptTo(address, _session, callback) {
        if (address.address === "r3@extern.example") return callback(smtpError(550, "5.1.1 <r3@extern.example>: Recipient address rejected: User unknown"));
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port, { maxRecipients: 5 });
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => twelve);
    await drain(server.id);

    expectEachOnce(
      smtp,
      twelve.filter((a) => a !== "r3@extern.example"),
    );
    expect(deliveries(smtp).has("r3@extern.example")).toBe(false);
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: id! } });
    expect(message.status).toBe("PARTIALLY_SENT");
    const outcomes = readRecipientOutcomes(message.recipientOutcomes);
    expect(outcomes["r3@extern.example"]).toMatchObject({ state: "FAILED", code: 550 });
    expect(outcomes["r3@extern.example"]!.reply).toContain("User unknown");
    expect(Object.values(outcomes).filter((o) => o.state === "DELIVERED")).toHaveLength(11);
  });

  it("retries only a recipient refused for now (450 4.2.2 mailbox full); the others are not sent again", async () => {
    let refusals = 0;
    const smtp = await sink({
      onRcptTo(address, _session, callback) {
        if (address.address === "r1@extern.example" && refusals++ === 0) return callback(smtpError(450, "4.2.2 Mailbox full, try again later"));
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port);
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => twelve.slice(0, 3));
    await drain(server.id);

    expectEachOnce(smtp, twelve.slice(0, 3));
    expect(smtp.received.map((m) => m.to)).toEqual([["r0@extern.example", "r2@extern.example"], ["r1@extern.example"]]);
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: id! }, include: { attempts: { orderBy: { id: "asc" } } } });
    expect(message.status).toBe("SENT");
    expect(message.attempts.map((a) => a.outcome)).toEqual(["RETRY", "SENT"]);
  });

  it("resumes a split message throttled half-way from where it stopped: no part is sent twice", async () => {
    let mails = 0;
    let throttled = false;
    const smtp = await sink({
      onMailFrom(_address, _session, callback) {
        // The second transaction of the message meets "too much mail" once.
        if (++mails === 2 && !throttled) {
          throttled = true;
          return callback(smtpError(450, "4.7.1 Error: too much mail from 127.0.0.1"));
        }
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port, { maxRecipients: 5 });
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => twelve);
    await drain(server.id);

    expectEachOnce(smtp, twelve);
    expect(smtp.received.map((m) => m.to.length)).toEqual([5, 5, 2]);
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: id! } });
    expect(message).toMatchObject({ status: "SENT", possibleDuplicate: false });
  });

  it("waits with the server for recipients refused by a recipient rate (450 4.7.1 too many recipients from), delivering each once", async () => {
    let accepted = 0;
    let refusedOnce = false;
    const smtp = await sink({
      onRcptTo(_address, _session, callback) {
        if (accepted === 1 && !refusedOnce) {
          refusedOnce = true;
          return callback(smtpError(450, "4.7.1 Error: too many recipients from 127.0.0.1"));
        }
        accepted++;
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port);
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => twelve.slice(0, 3));
    await drain(server.id);

    expectEachOnce(smtp, twelve.slice(0, 3));
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: id! }, include: { attempts: { orderBy: { id: "asc" } } } });
    expect(message.status).toBe("SENT");
    expect(message.attempts.map((a) => a.outcome)).toEqual(["DEFERRED", "SENT"]);
    expect(await testDb().limitHit.count({ where: { serverId: server.id, reason: "THROTTLE_REPLY" } })).toBe(1);
  });
});

describe("waking when the window frees", () => {
  it("sleeps a short wait in the drainer instead of scheduling a job: five messages at 1 per second go out in one drain", async () => {
    const smtp = await sink();
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 1, window: "SECOND", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 5);
    const result = await drain(server.id);
    expect(result.sent).toBe(5);
    expect(smtp.received).toHaveLength(5);
    // Each hand-over waited for the previous one's window: at least a second apart at the receiver.
    const gaps = smtp.received.slice(1).map((m, i) => m.receivedAt - smtp.received[i]!.receivedAt);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(990);
  });
});
