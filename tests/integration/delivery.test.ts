import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";
import { loopbackServer, maxInAnyWindow, subjectIndex, submitMany, waitUntil } from "../support/delivery.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * The engine against real SMTP servers on loopback, with the worker running in this process.
 * Windows and order are checked where a provider would check them: at the receiving server.
 */
process.env.RETRY_BASE_SECONDS = "1";
process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";

let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;
const sinks: TestSmtp[] = [];

async function sink(options: Parameters<typeof startTestSmtp>[0] = {}) {
  const smtp = await startTestSmtp(options);
  sinks.push(smtp);
  return smtp;
}

beforeAll(async () => {
  jobs = await startJobs();
  boss = jobs.boss;
});
afterAll(async () => {
  await jobs.stop();
  await Promise.all(sinks.map((s) => s.close()));
});
beforeEach(() => resetDatabase());

const statuses = async (ids: string[]) =>
  (await testDb().outboundMessage.findMany({ where: { id: { in: ids } }, select: { status: true } })).map((m) => m.status);

describe("limits that always hold, in FIFO order", () => {
  it("keeps every sliding 5-second window at ≤ 10 of 100 messages, delivers all 100, in submission order", { timeout: 120_000 }, async () => {
    const smtp = await sink();
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 10, size: 5, window: "SECOND", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 100);
    await waitUntil(() => smtp.received.length === 100, 100_000);
    expect(maxInAnyWindow(smtp.received, 5_000)).toBeLessThanOrEqual(10);
    expect(smtp.received.map(subjectIndex)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const deferred = await testDb().outboundMessage.count({ where: { serverId: server.id, deferredSince: { not: null } } });
    expect(deferred).toBeGreaterThan(0);
    expect(await testDb().limitHit.count({ where: { serverId: server.id } })).toBeGreaterThan(0);
  });

  it("defers the head message with the limit's reason while later ones wait behind it", { timeout: 30_000 }, async () => {
    const smtp = await sink();
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 2, window: "MINUTE", unit: "MESSAGES" }] });
    const ids = await submitMany(testDb(), boss, server.id, 4);
    await waitUntil(() => smtp.received.length === 2, 15_000);
    await waitUntil(async () => (await statuses([ids[2]!]))[0] === "DEFERRED", 10_000);
    const head = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ids[2]! } });
    expect(head.deferredReason).toBe("2/MINUTE/MESSAGES");
    expect(head.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ids[3]! } })).status).toBe("QUEUED");
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).deferredUntil).toEqual(head.nextAttemptAt);
  });

  it("does not delay another server's mail while one server is throttled", { timeout: 30_000 }, async () => {
    const slow = await sink();
    const fast = await sink();
    const throttled = await loopbackServer(testDb(), slow.port, { name: "Traag", limits: [{ count: 1, window: "MINUTE", unit: "MESSAGES" }] });
    const free = await loopbackServer(testDb(), fast.port, { name: "Vrij" });
    await submitMany(testDb(), boss, throttled.id, 5);
    const started = Date.now();
    await submitMany(testDb(), boss, free.id, 20);
    await waitUntil(() => fast.received.length === 20, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    await waitUntil(() => slow.received.length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(slow.received).toHaveLength(1);
    expect(await testDb().outboundMessage.count({ where: { serverId: throttled.id, status: "DEFERRED" } })).toBe(1);
  });

  it("splits a message for 600 recipients into two transactions under a 500 cap and counts 600 recipients", { timeout: 30_000 }, async () => {
    const smtp = await sink();
    const server = await loopbackServer(testDb(), smtp.port, { maxRecipients: 500, limits: [{ count: 10_000, window: "DAY", unit: "RECIPIENTS" }] });
    const [id] = await submitMany(testDb(), boss, server.id, 1, () => Array.from({ length: 600 }, (_, i) => `r${i}@extern.example`));
    await waitUntil(() => smtp.received.length === 2, 20_000);
    expect(smtp.received.map((m) => m.to.length).sort((a, b) => a - b)).toEqual([100, 500]);
    const handoffs = await testDb().serverHandoff.findMany({ where: { messageId: id } });
    expect(handoffs).toHaveLength(2);
    expect(handoffs.reduce((sum, h) => sum + h.recipients, 0)).toBe(600);
    await waitUntil(async () => (await statuses([id!]))[0] === "SENT", 5_000);
  });
});

describe("outcomes by the SMTP reply", () => {
  it("sends on retry after 451, with one log row per attempt", { timeout: 30_000 }, async () => {
    let calls = 0;
    const smtp = await sink({
      onRcptTo(_address, _session, callback) {
        if (calls++ === 0) return callback(smtpError(451, "4.3.0 Temporary local problem"));
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port);
    const [id] = await submitMany(testDb(), boss, server.id, 1);
    await waitUntil(async () => (await statuses([id!]))[0] === "SENT", 20_000);
    const attempts = await testDb().deliveryAttempt.findMany({ where: { messageId: id }, orderBy: { id: "asc" } });
    expect(attempts.map((a) => [a.outcome, a.responseCode])).toEqual([
      ["DEFERRED", 451],
      ["SENT", 250],
    ]);
    expect(smtp.received).toHaveLength(1);
  });

  it("fails a 550 after one attempt, without retrying", { timeout: 20_000 }, async () => {
    const smtp = await sink({ onRcptTo: (_a, _s, callback) => callback(smtpError(550, "5.1.1 User unknown")) });
    const server = await loopbackServer(testDb(), smtp.port);
    const [failed, next] = await submitMany(testDb(), boss, server.id, 2);
    await waitUntil(async () => (await statuses([failed!, next!])).every((s) => s === "FAILED"), 10_000);
    const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: failed! }, include: { attempts: true } });
    expect(message.attempts).toHaveLength(1);
    expect(message.lastResponseCode).toBe(550);
  });

  it("defers the whole server on '454 Throttling failure', keeps the order, and sends afterwards", { timeout: 30_000 }, async () => {
    let throttled = false;
    const smtp = await sink({
      onMailFrom(_a, _s, callback) {
        if (!throttled) {
          throttled = true;
          return callback(smtpError(454, "Throttling failure: Maximum sending rate exceeded."));
        }
        callback();
      },
    });
    const server = await loopbackServer(testDb(), smtp.port);
    const ids = await submitMany(testDb(), boss, server.id, 3);
    await waitUntil(() => smtp.received.length === 3, 20_000);
    expect(smtp.received.map(subjectIndex)).toEqual([0, 1, 2]);
    const first = await testDb().deliveryAttempt.findMany({ where: { messageId: ids[0] }, orderBy: { id: "asc" } });
    expect(first[0]).toMatchObject({ outcome: "DEFERRED", responseCode: 454 });
    expect(await testDb().limitHit.count({ where: { serverId: server.id, reason: "THROTTLE_REPLY" } })).toBe(1);
  });

  it("pauses the server on a wrong password instead of burning every message's retries", { timeout: 20_000 }, async () => {
    const smtp = await sink({ auth: { user: "verzuim@klant.example", pass: "het-echte-wachtwoord" } });
    const server = await loopbackServer(testDb(), smtp.port, { auth: { user: "verzuim@klant.example", pass: "een-fout-wachtwoord" } });
    const ids = await submitMany(testDb(), boss, server.id, 5);
    await waitUntil(async () => Boolean((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).pausedAt), 10_000);
    const paused = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(paused.pausedReason).toBe("wrong-credentials");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await statuses(ids)).toEqual(["QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED"]);
    expect(await testDb().deliveryAttempt.count({ where: { messageId: { in: ids } } })).toBe(1);
    expect(smtp.received).toHaveLength(0);
  });
});
