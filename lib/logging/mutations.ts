import type { PgBoss } from "pg-boss";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import type { Db } from "@/lib/db/client.ts";
import { wakeServer } from "@/lib/delivery/dispatch.ts";
import { DELIVERY_GIVE_UP_MS, DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";
import { UserError } from "@/lib/ui/errors.ts";

/**
 * "Opnieuw proberen": a failed or cancelled message goes back into the queue at its own place in
 * the order (its seq), with a fresh 48 hours; one that waits for a retry is tried now.
 */
/** Which messages "Opnieuw proberen" and "Annuleren" apply to (the detail page shows the buttons by these). */
export const RETRYABLE: readonly string[] = ["FAILED", "CANCELLED", "RETRYING", "DEFERRED"];
export const CANCELLABLE: readonly string[] = ["QUEUED", "DEFERRED", "RETRYING", "FAILED"];

export async function retryMessage(prisma: Db, boss: PgBoss, actor: Actor, messageId: string) {
  const message = await prisma.$transaction(async (tx) => {
    const message = await tx.outboundMessage.findUnique({ where: { id: messageId } });
    if (!message) throw new UserError("logging.errors.notFound", {}, undefined, 404);
    if (!RETRYABLE.includes(message.status)) throw new UserError("logging.errors.notRetryable");
    const revived = message.status === "FAILED" || message.status === "CANCELLED";
    await tx.outboundMessage.update({
      where: { id: messageId },
      data: {
        status: revived ? "QUEUED" : message.status,
        nextAttemptAt: null,
        ...(revived ? { giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS) } : {}),
      },
    });
    await recordAudit(tx, {
      actor,
      action: "message.retry",
      entityType: "OutboundMessage",
      entityId: messageId,
      summary: `E-mail opnieuw in de wachtrij gezet (was ${message.status})`,
      before: { status: message.status },
      after: { status: revived ? "QUEUED" : message.status },
    });
    return message;
  });
  if (message.serverId) await wakeServer(boss, message.serverId);
  else await boss.send(QUEUES.delivery, { messageId, serverId: null }, DELIVERY_JOB);
}

/** "Annuleren": a message that has not been handed over yet will not be sent. */
export async function cancelMessage(prisma: Db, actor: Actor, messageId: string) {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM "OutboundMessage" WHERE id = ${messageId}::uuid FOR UPDATE`;
    if (!row) throw new UserError("logging.errors.notFound", {}, undefined, 404);
    if (!CANCELLABLE.includes(row.status)) throw new UserError("logging.errors.notCancellable");
    await tx.outboundMessage.update({ where: { id: messageId }, data: { status: "CANCELLED", nextAttemptAt: null } });
    await recordAudit(tx, {
      actor,
      action: "message.cancel",
      entityType: "OutboundMessage",
      entityId: messageId,
      summary: `E-mail geannuleerd (was ${row.status})`,
      before: { status: row.status },
      after: { status: "CANCELLED" },
    });
  });
}
