import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweep, wakeJobId, wakeServer } from "@/lib/delivery/dispatch.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS, QUEUES } from "@/lib/jobs/queues.ts";
import { testDb } from "../support/db.ts";
import { startJobs } from "../support/jobs.ts";

/**
 * Wake-ups of a server's drainer through pg-boss: every drain that finds a server waiting for its
 * window asks for the same wake-up, and copies of it queued ahead of other servers' wake-ups once
 * delayed those by seconds (the `scale` bench). One job per (server, moment) ahead; a wake-up for
 * now is the server's "mail ready", of which one waits per server.
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

async function readyJobs(serverId: string): Promise<string[]> {
  const rows = await testDb().$queryRaw<{ state: string }[]>`
    SELECT state::text AS state FROM pgboss.job WHERE name = ${QUEUES.serverReady} AND singleton_key = ${serverId} ORDER BY created_on`;
  return rows.map((row) => row.state);
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

  it("always queues a wake-up for a moment just ahead: one of the same moment may have run already", async () => {
    const serverId = randomUUID();
    const soon = new Date(Date.now() + 500);
    await wakeServer(boss, serverId, soon);
    await wakeServer(boss, serverId, soon);

    expect(await wakeJobs(serverId)).toHaveLength(2);
  });

  it('wakes a server now through its one waiting "mail ready", and queues the next once that one is taken', async () => {
    const serverId = randomUUID();
    const other = randomUUID();
    await Promise.all([
      wakeServer(boss, serverId),
      wakeServer(boss, serverId),
      wakeServer(boss, serverId, new Date(Date.now() - 1_000)),
      wakeServer(boss, other),
    ]);
    expect(await readyJobs(serverId)).toEqual(["created"]);
    expect(await readyJobs(other)).toEqual(["created"]);
    expect(await wakeJobs(serverId)).toHaveLength(0);

    // A worker takes it (its drain will look at everything ready by then): the next wake-up is a new job.
    const [taken] = await boss.fetch<{ serverId: string }>(QUEUES.serverReady, { batchSize: 10 });
    expect(taken?.data).toEqual({ serverId: expect.any(String) });
    await boss.fetch(QUEUES.serverReady, { batchSize: 10 });
    await wakeServer(boss, serverId);
    expect(await readyJobs(serverId)).toEqual(["active", "created"]);
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

describe('a message and its server\'s "mail ready"', () => {
  const message = (serverId: string, subject: string) => ({
    kind: "APPLICATION" as const,
    serverId,
    from: { name: "Verzuim", address: "verzuim@klant.example" },
    to: ["jan@werknemer.example"],
    subject,
    text: "Inhoud",
    giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
  });

  it("is found by the sweep when its transaction commits after the waiting job was taken", async () => {
    const server = await testDb().mailServer.create({
      data: {
        name: `Klant ${randomUUID()}`,
        type: "GENERIC",
        host: "smtp.klant.example",
        port: 587,
        tlsMode: "STARTTLS",
        authMethod: "NONE",
        managedBy: "WERKGEVER",
      },
    });
    await testDb().$transaction((tx) => queueMessage(tx, boss, message(server.id, "Eerste")));
    expect(await readyJobs(server.id)).toEqual(["created"]);

    // The second message's transaction announces while the first's job waits (so adds none), and
    // commits only after a worker took that job: the drain it started may not have seen the message.
    let take!: () => void;
    const taken = new Promise<void>((resolve) => (take = resolve));
    const committed = testDb().$transaction(async (tx) => {
      await queueMessage(tx, boss, message(server.id, "Tweede"));
      take();
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    await taken;
    const jobs = await boss.fetch<{ serverId: string }>(QUEUES.serverReady, { batchSize: 100 });
    expect(jobs.map((job) => job.data.serverId)).toContain(server.id);
    await boss.complete(
      QUEUES.serverReady,
      jobs.map((job) => job.id),
    );
    await committed;
    expect(await readyJobs(server.id)).toEqual(["completed"]);

    // The per-minute sweep: the server has ready mail and no drainer, so it is announced again.
    await sweep(testDb(), boss);
    expect(await readyJobs(server.id)).toEqual(["completed", "created"]);
  });
});
