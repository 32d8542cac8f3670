import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimBatch, CLAIM_BYTES, giveBack, loadServer } from "@/lib/delivery/claim.ts";
import { drainServer } from "@/lib/delivery/engine.ts";
import { closeAllTransports } from "@/lib/delivery/transport-pool.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { loopbackServer, subjectIndex, submitMany } from "../support/delivery.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import { startJobs } from "../support/jobs.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * The pipelined drain (servers without limits): the next batch is claimed while one is on the
 * wire. Small batches make the pipeline visible; no worker runs, the test drains by hand.
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
  closeAllTransports();
  await jobs.stop();
  await Promise.all(sinks.map((s) => s.close()));
});
beforeEach(() => resetDatabase());

const drain = (serverId: string) => drainServer(testDb(), serverId, { workerId: "pipeline-test", batchSize: 2, maxMs: 10_000 });

/** Messages "Bericht 0…n" with the given bodies, in one transaction. */
async function submitTexts(serverId: string, texts: string[]): Promise<void> {
  await testDb().$transaction(async (tx) => {
    for (const [i, text] of texts.entries()) {
      await queueMessage(tx, boss, {
        kind: "APPLICATION",
        serverId,
        from: { name: "Verzuimteam", address: "verzuim@klant.example" },
        to: [`ontvanger-${i}@extern.example`],
        subject: `Bericht ${i}`,
        text,
        giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
      });
    }
  });
}

describe("the pipelined drain", () => {
  it("sends batch after batch in submission order, one attempt per message", async () => {
    const sink = await startTestSmtp();
    sinks.push(sink);
    const server = await loopbackServer(testDb(), sink.port);
    const ids = await submitMany(testDb(), boss, server.id, 7);
    const result = await drain(server.id);
    expect(result.sent).toBe(7);
    expect(sink.received.map(subjectIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await testDb().deliveryAttempt.count({ where: { messageId: { in: ids } } })).toBe(7);
    expect(await testDb().outboundMessage.count({ where: { id: { in: ids }, status: "SENT" } })).toBe(7);
  });

  it("hands every message over whole: bodies larger than one socket write, lines starting with a dot, in order", async () => {
    const sink = await startTestSmtp();
    sinks.push(sink);
    const server = await loopbackServer(testDb(), sink.port);
    // 7-bit lines of 60 characters: the body arrives as written, apart from the dot-stuffing SMTP undoes.
    const body = (i: number, lines: number) =>
      Array.from({ length: lines }, (_, n) => `${n % 50 === 0 ? "." : ""}bericht ${i} regel ${n} `.padEnd(60, "x")).join("\r\n");
    const sizes = [5_000, 1, 2_500];
    await submitTexts(
      server.id,
      sizes.map((lines, i) => body(i, lines)),
    );
    expect((await drain(server.id)).sent).toBe(3);
    expect(sink.received.map(subjectIndex)).toEqual([0, 1, 2]);
    for (const [i, lines] of sizes.entries()) {
      const raw = sink.received[i]!.raw;
      expect(raw.length).toBeGreaterThan(lines * 62);
      expect(raw.slice(raw.indexOf("\r\n\r\n") + 4).trimEnd()).toBe(body(i, lines));
    }
  });

  it("claims no more than CLAIM_BYTES of message bodies at once, but always the head", async () => {
    const sink = await startTestSmtp();
    sinks.push(sink);
    const server = await loopbackServer(testDb(), sink.port);
    const large = "x".repeat(CLAIM_BYTES / 2 - 1000);
    await submitTexts(server.id, [large, large, large, "klein", "x".repeat(CLAIM_BYTES + 10), "klein"]);
    const row = (await loadServer(testDb(), server.id))!;
    const first = await claimBatch(testDb(), row, 500);
    expect(first.messages.map((m) => m.subject)).toEqual(["Bericht 0", "Bericht 1"]);
    expect((await claimBatch(testDb(), row, 500)).messages.map((m) => m.subject)).toEqual(["Bericht 2", "Bericht 3"]);
    // A message over the budget on its own still goes, alone.
    expect((await claimBatch(testDb(), row, 500)).messages.map((m) => m.subject)).toEqual(["Bericht 4"]);
    await giveBack(testDb(), first.messages);
  });

  it("gives the batch it claimed ahead back when the server says stop: untouched, no attempt, in order behind the head", async () => {
    let offered = 0;
    const sink = await startTestSmtp({
      onMailFrom(_address, _session, callback) {
        offered++;
        if (offered >= 3) return callback(smtpError(421, "4.7.0 Too many messages, slow down"));
        callback();
      },
    });
    sinks.push(sink);
    const server = await loopbackServer(testDb(), sink.port);
    const ids = await submitMany(testDb(), boss, server.id, 6);
    // A short drain: a wait of a second would otherwise be slept in the drainer and tried again.
    await drainServer(testDb(), server.id, { workerId: "pipeline-test", batchSize: 2, maxMs: 800 });

    expect(sink.received.map(subjectIndex)).toEqual([0, 1]);
    const messages = await testDb().outboundMessage.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" }, include: { attempts: true } });
    expect(messages.map((m) => m.status)).toEqual(["SENT", "SENT", "DEFERRED", "QUEUED", "QUEUED", "QUEUED"]);
    expect(messages.map((m) => m.attempts.length)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(messages.map((m) => m.attemptCount)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(messages.some((m) => m.possibleDuplicate)).toBe(false);
    // The pool drops a reused connection on a 421 before the message is read; the engine tries
    // once more on a fresh one and so keeps the server's own reply, to explain and learn from.
    expect(messages[2]).toMatchObject({ lastResponseCode: 421 });
    expect(messages[2]!.lastResponse).toContain("Too many messages");
    expect(messages[2]!.attempts[0]!.explanationId).toBe("rate-limited");
    const [observation] = await testDb().limitObservation.findMany({ where: { serverId: server.id } });
    expect(observation).toMatchObject({ window: "MINUTE", unit: "MESSAGES", observed: 2, configured: null });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).deferredUntil).not.toBeNull();
  });
});
