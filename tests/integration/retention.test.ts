import { beforeEach, describe, expect, it } from "vitest";
import { config } from "@/lib/config.ts";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { QUEUES } from "@/lib/jobs/queues.ts";
import { startWorker, stopWorker } from "@/lib/ops/jobs.ts";
import { pruneDeliveryLog } from "@/lib/logging/retention.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { waitUntil } from "../support/delivery.ts";

/** Retention with a controlled clock: the job is handed `now`, so nothing here waits or races a real day. */
const now = new Date("2026-11-27T12:00:00.000Z");
const DAY = 86_400_000;
const daysAgo = (days: number, extraMs = 0) => new Date(now.getTime() - days * DAY - extraMs);

beforeEach(() => resetDatabase());

async function createServer(name: string) {
  return testDb().mailServer.create({
    data: { name, type: "GENERIC", host: "smtp.example.nl", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
}

let counter = 0;
async function seedMessage(serverId: string | null, createdAt: Date, status: MessageStatus, attempts = 0) {
  counter += 1;
  return testDb().outboundMessage.create({
    data: {
      kind: "APPLICATION",
      serverId,
      fromName: "Verzuim",
      fromAddress: "verzuim@klant.example",
      to: [`medewerker${counter}@klant.example`],
      recipientCount: 1,
      subject: `Bericht ${counter}`,
      text: "Een lange tekst die met het bericht verdwijnt.",
      messageIdHeader: `<${counter}@klant.example>`,
      giveUpAt: new Date(createdAt.getTime() + 2 * DAY),
      status,
      createdAt,
      attempts: { create: Array.from({ length: attempts }, (_, i) => ({ number: i + 1, route: "server", startedAt: createdAt })) },
    },
  });
}

const remainingIds = async () => new Set((await testDb().outboundMessage.findMany({ select: { id: true } })).map((m) => m.id));

describe("pruning the delivery log", () => {
  it("removes exactly the finished messages older than the setting, on every route, with their attempts", async () => {
    const server = await createServer("Kantoor");
    const other = await createServer("Medische dienst");
    const pruned = [
      await seedMessage(server.id, daysAgo(40), "SENT", 2),
      await seedMessage(server.id, daysAgo(29), "FAILED", 3),
      await seedMessage(server.id, daysAgo(28, 1), "CANCELLED"),
      await seedMessage(other.id, daysAgo(35), "SENT", 1),
      await seedMessage(null, daysAgo(30), "SENT", 1),
      await seedMessage(null, daysAgo(31), "FAILED"),
    ];
    const kept = [
      await seedMessage(server.id, daysAgo(28), "SENT", 1), // exactly at the cutoff: not older than the setting
      await seedMessage(server.id, daysAgo(27), "FAILED", 1),
      await seedMessage(other.id, daysAgo(1), "SENT"),
      await seedMessage(null, daysAgo(2), "SENT", 1),
    ];

    const counts = await pruneDeliveryLog(testDb(), { now, retentionDays: 28, batchSize: 2 });

    expect(counts.messages).toBe(pruned.length);
    expect(await remainingIds()).toEqual(new Set(kept.map((m) => m.id)));
    const attempts = await testDb().deliveryAttempt.findMany({ select: { messageId: true } });
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => kept.some((m) => m.id === a.messageId))).toBe(true);
  });

  it("never prunes mail that is still on its way, however old", async () => {
    const server = await createServer("Kantoor");
    const waiting = await Promise.all((["QUEUED", "DEFERRED", "SENDING", "RETRYING"] as const).map((status) => seedMessage(server.id, daysAgo(90), status, 1)));
    const queuedOnPlatform = await seedMessage(null, daysAgo(90), "QUEUED");

    const counts = await pruneDeliveryLog(testDb(), { now, retentionDays: 28 });

    expect(counts.messages).toBe(0);
    expect(await remainingIds()).toEqual(new Set([...waiting, queuedOnPlatform].map((m) => m.id)));
    expect(await testDb().deliveryAttempt.count()).toBe(4);
  });

  it("follows the configured number of days", async () => {
    const server = await createServer("Kantoor");
    await seedMessage(server.id, daysAgo(10), "SENT");
    const sixDaysOld = await seedMessage(server.id, daysAgo(6), "SENT");

    expect((await pruneDeliveryLog(testDb(), { now, retentionDays: 28 })).messages).toBe(0);
    expect((await pruneDeliveryLog(testDb(), { now, retentionDays: 7 })).messages).toBe(1);
    expect(await remainingIds()).toEqual(new Set([sixDaysOld.id]));
  });

  it("prunes limit hits by the retention setting and hand-overs once they are past every window", async () => {
    const server = await createServer("Kantoor");
    await testDb().limitHit.createMany({
      data: [
        { serverId: server.id, at: daysAgo(29), reason: "oud" },
        { serverId: server.id, at: daysAgo(28, 1), reason: "net te oud" },
        { serverId: server.id, at: daysAgo(27), reason: "bewaard" },
        { serverId: server.id, at: daysAgo(1), reason: "bewaard" },
      ],
    });
    const handoff = (countsUntil: Date) => ({
      serverId: server.id,
      messageId: crypto.randomUUID(),
      recipients: 1,
      claimedAt: new Date(countsUntil.getTime() - 5_000),
      countsUntil,
    });
    await testDb().serverHandoff.createMany({
      data: [handoff(daysAgo(3)), handoff(daysAgo(2, 1)), handoff(daysAgo(2)), handoff(daysAgo(1)), handoff(now)],
    });

    const counts = await pruneDeliveryLog(testDb(), { now, retentionDays: 28, batchSize: 1 });

    expect(counts).toEqual({ messages: 0, limitHits: 2, handoffs: 2 });
    expect((await testDb().limitHit.findMany({ select: { reason: true } })).map((h) => h.reason)).toEqual(["bewaard", "bewaard"]);
    const left = await testDb().serverHandoff.findMany({ select: { countsUntil: true }, orderBy: { countsUntil: "asc" } });
    expect(left.map((h) => h.countsUntil)).toEqual([daysAgo(2), daysAgo(1), now]);
  });

  it("deletes in batches until nothing old is left", async () => {
    const server = await createServer("Kantoor");
    await testDb().$executeRaw`
      INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount",
                                     subject, "messageIdHeader", status, "giveUpAt", "createdAt", "updatedAt")
      SELECT gen_random_uuid(), 'APPLICATION', ${server.id}::uuid, 'Verzuim', 'verzuim@klant.example', ARRAY['a@klant.example'], '{}', '{}', 1,
             'Bericht', '<' || g || '@klant.example>', 'SENT', ${daysAgo(40)}::timestamptz, ${daysAgo(40)}::timestamptz, ${daysAgo(40)}::timestamptz
        FROM generate_series(1, 1234) AS g`;
    await seedMessage(server.id, daysAgo(3), "SENT");

    const counts = await pruneDeliveryLog(testDb(), { now, retentionDays: 28, batchSize: 100 });

    expect(counts.messages).toBe(1234);
    expect(await testDb().outboundMessage.count()).toBe(1);
  });

  it("is run by the worker's retention queue with LOG_RETENTION_DAYS", { timeout: 30_000 }, async () => {
    const days = config().LOG_RETENTION_DAYS;
    const server = await createServer("Kantoor");
    const realNow = Date.now();
    await seedMessage(server.id, new Date(realNow - (days + 1) * DAY), "SENT", 1);
    const recent = await seedMessage(server.id, new Date(realNow - (days - 1) * DAY), "SENT");
    const worker = await startWorker(process.env.DATABASE_URL!);
    try {
      await worker.send(QUEUES.retention, {});
      await waitUntil(async () => (await testDb().outboundMessage.count()) === 1, 20_000);
    } finally {
      await stopWorker(worker);
    }
    expect(await remainingIds()).toEqual(new Set([recent.id]));
  });
});
