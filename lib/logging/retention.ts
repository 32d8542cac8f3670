import type { Db } from "@/lib/db/client.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";

const DAY_MS = 86_400_000;
/** The longest limit window is a day; a hand-over older than that no longer counts toward any window. */
const HANDOFF_KEEP_MS = 2 * DAY_MS;
const DEFAULT_BATCH_SIZE = 5_000;

export type PrunedDeliveryLog = { messages: number; limitHits: number; handoffs: number };

/**
 * Removes the delivery history older than the retention setting (SPEC §4): finished messages
 * with their bodies and attempts (by cascade), limit hits, and hand-overs past every window.
 * Mail that is still on its way is never removed, however old. Each statement deletes at most
 * one batch and commits on its own, so no table is locked for long while the worker keeps
 * sending; per route, so every batch is a range scan on an index that starts with serverId.
 */
export async function pruneDeliveryLog(prisma: Db, options: { now: Date; retentionDays: number; batchSize?: number }): Promise<PrunedDeliveryLog> {
  const batch = Math.max(1, Math.trunc(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY_MS);
  const handoffCutoff = new Date(options.now.getTime() - HANDOFF_KEEP_MS);
  const servers = await prisma.mailServer.findMany({ select: { id: true } });
  const pruned: PrunedDeliveryLog = { messages: 0, limitHits: 0, handoffs: 0 };

  for (const serverId of [null, ...servers.map((server) => server.id)]) {
    const route = serverId === null ? Prisma.sql`"serverId" IS NULL` : Prisma.sql`"serverId" = ${serverId}::uuid`;
    // The outer conditions are checked again on a row changed meanwhile, so a failed message
    // that an administrator just put back in the queue is not deleted under their hands.
    const finishedAndOld = Prisma.sql`"createdAt" < ${cutoff}::timestamptz AND status IN ('SENT', 'FAILED', 'CANCELLED')`;
    pruned.messages += await deleteInBatches(
      prisma,
      Prisma.sql`DELETE FROM "OutboundMessage" WHERE id IN (
        SELECT id FROM "OutboundMessage" WHERE ${route} AND ${finishedAndOld} LIMIT ${batch}
      ) AND ${finishedAndOld}`,
      batch,
    );
    if (serverId === null) continue; // limit hits and hand-overs belong to a server
    pruned.limitHits += await deleteInBatches(
      prisma,
      Prisma.sql`DELETE FROM "LimitHit" WHERE id IN (
        SELECT id FROM "LimitHit" WHERE ${route} AND at < ${cutoff}::timestamptz LIMIT ${batch}
      )`,
      batch,
    );
    pruned.handoffs += await deleteInBatches(
      prisma,
      Prisma.sql`DELETE FROM "ServerHandoff" WHERE id IN (
        SELECT id FROM "ServerHandoff" WHERE ${route} AND "countsUntil" < ${handoffCutoff}::timestamptz LIMIT ${batch}
      )`,
      batch,
    );
  }
  return pruned;
}

async function deleteInBatches(prisma: Db, statement: Prisma.Sql, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await prisma.$executeRaw(statement);
    total += deleted;
    if (deleted < batch) return total;
  }
}
