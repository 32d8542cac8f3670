import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { limitSuggestions } from "@/lib/delivery/data.ts";
import { applyLimitSuggestion, dismissLimitSuggestion } from "@/lib/delivery/mutations.ts";
import { windowsToObserve } from "@/lib/delivery/observed-limits.ts";
import { ceilingHintOf } from "@/lib/smtp/replies.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";
import { loopbackServer, subjectIndex, submitMany, waitUntil } from "../support/delivery.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * Limits that learn: a server that throttles below the configured limit teaches Postkamer its
 * real ceiling, and the server page suggests it. The SMTP server on loopback enforces its own
 * sliding window, like a provider would, and answers with a throttle reply above it.
 */
process.env.RETRY_BASE_SECONDS = "1";
process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";

const actor = { id: null, label: "test" };
let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;
const sinks: TestSmtp[] = [];

/** An SMTP server that accepts at most `ceiling` messages in any 60 seconds. */
async function providerWithCeiling(ceiling: number, reply = "4.7.0 Rate limit exceeded, slow down") {
  const accepted: number[] = [];
  let throttleReplies = 0;
  const smtp = await startTestSmtp({
    onMailFrom(_address, _session, callback) {
      const now = Date.now();
      if (accepted.filter((at) => at > now - 60_000).length >= ceiling) {
        throttleReplies++;
        return callback(smtpError(450, reply));
      }
      accepted.push(now);
      callback();
    },
  });
  sinks.push(smtp);
  return { smtp, throttleReplies: () => throttleReplies };
}

/** Observations of the same ceiling in earlier, different windows (minutes ago). */
async function observeEarlier(serverId: string, observed: number, configured: number | null, minutesAgo: number[]) {
  for (const minutes of minutesAgo) {
    await testDb().limitObservation.create({
      data: {
        serverId,
        at: new Date(Date.now() - minutes * 60_000),
        window: "MINUTE",
        unit: "MESSAGES",
        observed,
        configured,
        reply: "450 4.7.0 Rate limit exceeded, slow down",
      },
    });
  }
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

describe("limits that learn from the server", () => {
  it("a server throttling at 5 per minute while 10 per minute is configured gets the suggestion '≈ 5 per minuut'", { timeout: 30_000 }, async () => {
    const provider = await providerWithCeiling(5);
    const server = await loopbackServer(testDb(), provider.smtp.port, { limits: [{ count: 10, window: "MINUTE", unit: "MESSAGES" }] });
    const ids = await submitMany(testDb(), boss, server.id, 8);

    await waitUntil(() => provider.smtp.received.length === 5 && provider.throttleReplies() >= 2, 20_000);
    await waitUntil(async () => (await testDb().limitObservation.count({ where: { serverId: server.id } })) >= 2, 10_000);
    const observations = await testDb().limitObservation.findMany({ where: { serverId: server.id } });
    for (const observation of observations) {
      expect(observation).toMatchObject({ window: "MINUTE", windowSize: 1, unit: "MESSAGES", observed: 5, configured: 10, resolvedAt: null });
      expect(observation.reply).toContain("Rate limit exceeded");
    }
    // Order held: the first five went, the sixth waits at the head, nothing overtook it.
    expect(provider.smtp.received.map(subjectIndex)).toEqual([0, 1, 2, 3, 4]);
    const head = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ids[5]! } });
    expect(head.status).toBe("DEFERRED");

    // Replies within one window are one event, not a ceiling.
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    await observeEarlier(server.id, 5, 10, [3, 6]);

    const [suggestion, ...others] = await limitSuggestions(testDb(), server.id);
    expect(others).toEqual([]);
    expect(suggestion).toMatchObject({ window: "MINUTE", windowSize: 1, unit: "MESSAGES", observed: 5, configured: 10 });
    expect(suggestion!.observations).toBe(observations.length + 2);

    const { count } = await applyLimitSuggestion(testDb(), actor, { serverId: server.id, window: "MINUTE", windowSize: 1, unit: "MESSAGES" });
    expect(count).toBe(5);
    const limits = await testDb().sendingLimit.findMany({ where: { serverId: server.id } });
    expect(limits.map((l) => `${l.count}/${l.window}/${l.unit}`)).toEqual(["5/MINUTE/MESSAGES"]);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.limit.learned", entityId: server.id } });
    expect(audit.params).toEqual({ name: server.name, count: 5, window: "MINUTE", windowSize: 1, unit: "MESSAGES" });
  });

  it("a server without limits that throttles gets a first limit suggested; dismissing it keeps the limits as they are", { timeout: 30_000 }, async () => {
    const provider = await providerWithCeiling(3);
    const server = await loopbackServer(testDb(), provider.smtp.port);
    await submitMany(testDb(), boss, server.id, 5);
    await waitUntil(async () => (await testDb().limitObservation.count({ where: { serverId: server.id } })) >= 1, 20_000);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    await observeEarlier(server.id, 3, null, [2, 4]);
    const [suggestion] = await limitSuggestions(testDb(), server.id);
    expect(suggestion).toMatchObject({ window: "MINUTE", unit: "MESSAGES", observed: 3, configured: null });

    await dismissLimitSuggestion(testDb(), actor, { serverId: server.id, window: "MINUTE", windowSize: 1, unit: "MESSAGES" });
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    expect(await testDb().sendingLimit.count({ where: { serverId: server.id } })).toBe(0);
    await expect(applyLimitSuggestion(testDb(), actor, { serverId: server.id, window: "MINUTE", windowSize: 1, unit: "MESSAGES" })).rejects.toMatchObject({
      messageKey: "mailservers.learned.gone",
    });
  });

  it("learns nothing from a reply that names no rate (greylisting, 'try again later'): the mail waits and goes", { timeout: 30_000 }, async () => {
    const provider = await providerWithCeiling(2, "4.7.0 Try again later");
    const server = await loopbackServer(testDb(), provider.smtp.port, { limits: [{ count: 10, window: "MINUTE", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 3);
    await waitUntil(() => provider.throttleReplies() >= 1, 20_000);
    await waitUntil(async () => (await testDb().deliveryAttempt.count({ where: { finishedAt: { not: null }, responseCode: 450 } })) >= 1, 10_000);
    expect(await testDb().limitObservation.count({ where: { serverId: server.id } })).toBe(0);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
  });

  it("suggests the median of recent observations, and nothing once the limit is at or below it", async () => {
    const server = await loopbackServer(testDb(), 2525, { limits: [{ count: 30, window: "MINUTE", unit: "MESSAGES" }] });
    const observe = (observed: number, minutesAgo: number) =>
      testDb().limitObservation.create({
        data: {
          serverId: server.id,
          at: new Date(Date.now() - minutesAgo * 60_000),
          window: "MINUTE",
          unit: "MESSAGES",
          observed,
          configured: 30,
          reply: "421 4.7.0 slow down",
        },
      });
    await observe(27, 30);
    await observe(3, 20); // an unlucky moment in the provider's fixed window
    await observe(28, 10);
    await observe(26, 60 * 24 * 8); // too old to count
    const [suggestion] = await limitSuggestions(testDb(), server.id);
    expect(suggestion).toMatchObject({ observed: 27, observations: 3, configured: 30 });
    await testDb().sendingLimit.updateMany({ where: { serverId: server.id }, data: { count: 27 } });
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
  });

  it("looks at the window a throttle reply names: a daily quota, a per-second rate", () => {
    const limits = [
      { count: 30, window: "MINUTE", unit: "MESSAGES" },
      { count: 10_000, window: "DAY", unit: "RECIPIENTS" },
    ] as const;
    const daily = ceilingHintOf({ responseCode: 550, response: "550 5.7.1 Daily SMTP relay limit exceeded for user." });
    expect(daily).toEqual({ window: "DAY" });
    expect(windowsToObserve(limits, daily)).toEqual([{ window: "DAY", windowSize: 1, unit: "RECIPIENTS", configured: 10_000 }]);
    const recipients = ceilingHintOf({ responseCode: 452, response: "452 4.5.3 RecipientRateLimitExceeded; Sender exceeded its recipient rate limit" });
    expect(windowsToObserve(limits, recipients)).toEqual([{ window: "DAY", windowSize: 1, unit: "RECIPIENTS", configured: 10_000 }]);
    const perSecond = ceilingHintOf({ responseCode: 454, response: "454 Throttling failure: Maximum sending rate exceeded." });
    expect(windowsToObserve(limits, perSecond)).toEqual([{ window: "SECOND", windowSize: 1, unit: "MESSAGES", configured: null }]);
    expect(windowsToObserve(limits, undefined)).toHaveLength(2);
    expect(windowsToObserve([], undefined)).toEqual([{ window: "MINUTE", windowSize: 1, unit: "MESSAGES", configured: null }]);
  });
});
