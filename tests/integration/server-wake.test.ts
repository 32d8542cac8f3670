import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wakeJobId, wakeServer } from "@/lib/delivery/dispatch.ts";
import { QUEUES } from "@/lib/jobs/queues.ts";
import { testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";

/**
 * Wake-ups of a server's drainer through pg-boss: every drain that finds a server waiting for its
 * window asks for the same wake-up, and copies of it queued ahead of other servers' wake-ups once
 * delayed those by seconds (the `scale` bench). One job per (server, moment) ahead; a wake-up for
 * now is always queued.
 */
let boss: PgBoss;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ boss, stop } = await startJobs({ worker: false }));
});

afterAll(() => stop());

async function wakeJobs(serverId: string): Promise<{ id: string; startAfter: Date }[]> {
  return testDb().$queryRaw`
    SELECT id::text AS id, start_after AS "startAfter" FROM pgboss.job WHERE name = ${QUEUES.serverWake} AND data->>'serverId' = ${serverId}
    ORDER BY start_after`;
}

describe("wakeServer", () => {
  it("queues one job for a moment ahead however often it is asked, from any process", async () => {
    const serverId = randomUUID();
    const at = new Date(Date.now() + 60_000);
    await Promise.all([1, 2, 3, 4, 5].map(() => wakeServer(boss, serverId, new Date(at))));
    const later = new Date(at.getTime() + 1);
    await wakeServer(boss, serverId, later);

    const jobs = await wakeJobs(serverId);
    expect(jobs.map((job) => job.id)).toEqual([wakeJobId(serverId, at), wakeJobId(serverId, later)]);
    expect(jobs[0]!.startAfter).toEqual(at);
  });

  it("always queues a wake-up for now: one of the same moment may have run already", async () => {
    const serverId = randomUUID();
    await wakeServer(boss, serverId);
    await wakeServer(boss, serverId);
    const soon = new Date(Date.now() + 500);
    await wakeServer(boss, serverId, soon);
    await wakeServer(boss, serverId, soon);

    expect(await wakeJobs(serverId)).toHaveLength(4);
  });

  it("gives each server and moment its own id", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const at = new Date("2026-12-01T12:00:00.000Z");
    expect(wakeJobId(a, at)).toBe(wakeJobId(a, new Date(at)));
    expect(wakeJobId(a, at)).not.toBe(wakeJobId(b, at));
    expect(wakeJobId(a, at)).not.toBe(wakeJobId(a, new Date(at.getTime() + 1)));
    expect(wakeJobId(a, at)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
