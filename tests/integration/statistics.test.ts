import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { limitSuggestions, serverUsage } from "@/lib/delivery/data.ts";
import { deferralEpisodes, serverCharts, weekOfEpisodes } from "@/lib/stats/data.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";
import { loopbackServer, submitMany, waitUntil } from "../support/delivery.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * Honest statistics (issue 16): a limit hit is one deferral episode, "structureel" needs episodes
 * on several days, and an observed ceiling needs rate replies in several windows. The engine runs
 * against an SMTP server on loopback; history is seeded as the engine writes it.
 */
process.env.RETRY_BASE_SECONDS = "1";
process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;
const sinks: TestSmtp[] = [];

beforeAll(async () => {
  jobs = await startJobs();
  boss = jobs.boss;
});
afterAll(async () => {
  await jobs.stop();
  await Promise.all(sinks.map((s) => s.close()));
});
beforeEach(() => resetDatabase());

async function idleServer(limits = [{ count: 30, window: "MINUTE", unit: "MESSAGES" }]) {
  return loopbackServer(testDb(), 9, { limits });
}

let seq = 0;
/**
 * Writes a burst of `count` messages accepted at `at` as the engine leaves them at 30 per minute:
 * the first 30 go at once, each later one was held back from the moment the one before it went.
 */
async function seedBurst(serverId: string, at: number, count: number, perMinute = 30) {
  const rows = Array.from({ length: count }, (_, i) => {
    const window = Math.floor(i / perMinute);
    const sentAt = at + window * MINUTE + (i % perMinute) * 100 + 500;
    const deferredSince = window === 0 ? null : at + (window - 1) * MINUTE + 500;
    seq++;
    return {
      kind: "APPLICATION" as const,
      serverId,
      fromName: "Verzuimteam",
      fromAddress: "verzuim@klant.example",
      to: [`persoon-${seq}@extern.example`],
      recipientCount: 1,
      subject: `Bericht ${seq}`,
      messageIdHeader: `<stat-${seq}@klant.example>`,
      status: "SENT" as const,
      attemptCount: 1,
      giveUpAt: new Date(at + 2 * DAY),
      createdAt: new Date(at),
      updatedAt: new Date(sentAt),
      sentAt: new Date(sentAt),
      deferredSince: deferredSince === null ? null : new Date(deferredSince),
      deferredReason: deferredSince === null ? null : "30/1/MINUTE/MESSAGES",
    };
  });
  await testDb().outboundMessage.createMany({ data: rows });
}

describe("limit hits are counted per deferral episode", () => {
  it("counts one burst of 45 at 30 per minute once, with the real waiting time of the 15 that waited, and does not call it structural", async () => {
    const server = await idleServer();
    const now = Date.now();
    await seedBurst(server.id, now - 2 * HOUR, 45);
    const episodes = await deferralEpisodes(testDb(), server.id, new Date(now - 7 * DAY), new Date(now));
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ deferred: 15, open: false });
    // Handed over during the episode: the 15 that waited, about a minute each.
    expect(episodes[0]!.handedOver).toBe(15);
    expect(episodes[0]!.averageWaitMs).toBeGreaterThan(60_000);
    expect(episodes[0]!.averageWaitMs).toBeLessThan(62_500);

    const usage = await serverUsage(testDb(), server.id, new Date(now));
    expect(usage.hitsThisWeek).toBe(1);
    expect(usage.daysWithHits).toBe(1);
    expect(usage.structural).toBe(false);
    expect(usage.averageWaitMinutes).toBe(1);
  });

  it("counts two bursts an hour apart as two episodes", async () => {
    const server = await idleServer();
    const now = Date.now();
    await seedBurst(server.id, now - 3 * HOUR, 45);
    await seedBurst(server.id, now - 2 * HOUR, 40);
    const week = await weekOfEpisodes(testDb(), server.id, new Date(now));
    expect(week.episodes).toBe(2);
    expect(week.structural).toBe(false);
  });

  it("counts one backlog that keeps the limit busy for two hours as one episode, however many messages it held back", async () => {
    const server = await idleServer();
    const now = Date.now();
    await seedBurst(server.id, now - 4 * HOUR, 30 * 120);
    const episodes = await deferralEpisodes(testDb(), server.id, new Date(now - 7 * DAY), new Date(now));
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.deferred).toBe(30 * 119);
    expect(episodes[0]!.end - episodes[0]!.start).toBeGreaterThan(118 * MINUTE);
  });

  it("calls the volume structural only when limits held mail back on three different days of the week", async () => {
    const server = await idleServer();
    const now = Date.now();
    await seedBurst(server.id, now - 1 * DAY, 45);
    await seedBurst(server.id, now - 2 * DAY, 45);
    expect((await serverUsage(testDb(), server.id, new Date(now))).structural).toBe(false);
    await seedBurst(server.id, now - 4 * DAY, 45);
    const usage = await serverUsage(testDb(), server.id, new Date(now));
    expect(usage).toMatchObject({ hitsThisWeek: 3, daysWithHits: 3, structural: true });
    // Eight days ago is outside the week.
    const other = await idleServer();
    await seedBurst(other.id, now - 8 * DAY, 45);
    await seedBurst(other.id, now - 1 * DAY, 45);
    await seedBurst(other.id, now - 2 * DAY, 45);
    expect((await serverUsage(testDb(), other.id, new Date(now))).structural).toBe(false);
  });

  it("counts a real burst through the engine once: 9 messages at 3 per 2 seconds", { timeout: 30_000 }, async () => {
    const smtp = await startTestSmtp();
    sinks.push(smtp);
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 3, size: 2, window: "SECOND", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 9);
    await waitUntil(() => smtp.received.length === 9, 20_000);
    await waitUntil(async () => (await testDb().outboundMessage.count({ where: { serverId: server.id, status: "SENT" } })) === 9, 5_000);
    expect(await testDb().limitHit.count({ where: { serverId: server.id } })).toBeGreaterThan(1);
    const usage = await serverUsage(testDb(), server.id);
    expect(usage.hitsThisWeek).toBe(1);
    expect(usage.structural).toBe(false);
    expect(usage.averageWaitMinutes).not.toBeNull();
  });
});

describe("observed ceilings need rate replies in several windows", () => {
  async function observe(serverId: string, reply: string, minutesAgo: number[]) {
    for (const minutes of minutesAgo) {
      await testDb().limitObservation.create({
        data: { serverId, at: new Date(Date.now() - minutes * MINUTE), window: "MINUTE", unit: "MESSAGES", observed: 9, configured: 30, reply },
      });
    }
  }

  it("suggests nothing from one rate reply, nor from greylisting-like replies in many windows", async () => {
    const server = await idleServer();
    await observe(server.id, "450 4.7.0 Rate limit exceeded, slow down", [1]);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    await observe(server.id, "451 4.7.0 try later", [3, 6, 9, 12]);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
    const usage = await serverUsage(testDb(), server.id);
    expect(usage.suggestions).toEqual([]);
  });

  it("suggests the ceiling from rate replies in three different windows", async () => {
    const server = await idleServer();
    await observe(server.id, "450 4.7.0 Rate limit exceeded, slow down", [1, 4, 7]);
    const [suggestion] = await limitSuggestions(testDb(), server.id);
    expect(suggestion).toMatchObject({ observed: 9, configured: 30, observations: 3 });
  });

  it("records no observation and no hit count for a single `451 4.7.0 try later` through the engine", { timeout: 30_000 }, async () => {
    let refused = 0;
    const smtp = await startTestSmtp({
      onMailFrom(_address, _session, callback) {
        if (refused++ === 0) return callback(smtpError(451, "4.7.0 try later"));
        callback();
      },
    });
    sinks.push(smtp);
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 30, window: "MINUTE", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 3);
    await waitUntil(() => smtp.received.length === 3, 20_000);
    expect(await testDb().limitObservation.count({ where: { serverId: server.id } })).toBe(0);
    expect(await limitSuggestions(testDb(), server.id)).toEqual([]);
  });
});

describe("the charts' series", () => {
  it("rolls finished hours up and reads them with the current hour: hand-overs per hour and day, failures, queue and waiting time", async () => {
    const server = await idleServer();
    const now = Date.now();
    await seedBurst(server.id, now - 5 * HOUR, 45);
    await seedBurst(server.id, now - 30 * HOUR, 10);
    const charts = await serverCharts(testDb(), server.id, { now: new Date(now), retentionDays: 28 });
    expect(await testDb().deliveryHour.count({ where: { serverId: server.id } })).toBeGreaterThan(24 * 27);
    expect(charts.hours).toHaveLength(48);
    expect(charts.hours.reduce((sum, h) => sum + h.handedOver, 0)).toBe(55);
    expect(charts.days.reduce((sum, d) => sum + d.handedOver, 0)).toBe(55);
    expect(charts.episodes).toHaveLength(1);
    expect(charts.hours.some((h) => h.deferred)).toBe(true);
    expect(Math.max(...charts.hours.map((h) => h.maxWaitMinutes ?? 0))).toBeGreaterThanOrEqual(1);
    expect(charts.limits).toEqual([{ count: 30, window: "MINUTE", windowSize: 1, unit: "MESSAGES", windowMs: 60_000 }]);
    // A second read uses the rollup and gives the same answer.
    const again = await serverCharts(testDb(), server.id, { now: new Date(now), retentionDays: 28 });
    expect(again.hours).toEqual(charts.hours);
  });
});
