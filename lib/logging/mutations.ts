import type { PgBoss } from "pg-boss";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import type { Db } from "@/lib/db/client.ts";
import { wakeServer } from "@/lib/delivery/dispatch.ts";
import { readRecipientOutcomes, summarizeRecipients, type RecipientOutcomes } from "@/lib/delivery/recipients.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { DELIVERY_GIVE_UP_MS, DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";
import { UserError } from "@/lib/ui/errors.ts";

/** Which messages "Opnieuw proberen" and "Annuleren" apply to (the detail page shows the buttons by these). */
export const RETRYABLE: readonly string[] = ["FAILED", "CANCELLED", "PARTIALLY_SENT", "RETRYING", "DEFERRED"];
export const CANCELLABLE: readonly string[] = ["QUEUED", "DEFERRED", "RETRYING", "FAILED"];

/** Messages that "Opnieuw proberen" brings back from a final state into the queue. */
const REVIVED: readonly string[] = ["FAILED", "CANCELLED", "PARTIALLY_SENT"];

/**
 * A verification mail that ended has its code masked in the stored body (migration
 * 20261214101000): sent again it would carry no code, so it is not revived; "Codes opnieuw
 * versturen" on the sender starts a new round instead.
 */
const CODE_KINDS: readonly string[] = ["OWNERSHIP_CODE", "CONFIGURATION_CODE"];

/** Whether "Opnieuw proberen" applies to this message (the detail page shows the button by this). */
export function canRetry(message: { status: string; kind: string }): boolean {
  return RETRYABLE.includes(message.status) && !(CODE_KINDS.includes(message.kind) && REVIVED.includes(message.status));
}

/**
 * What a revived message still has to do: recipients the server refused for good get another
 * chance (WAITING); what the server accepted stays DELIVERED and is never sent again.
 */
function reopenRefusedRecipients(outcomes: RecipientOutcomes): { outcomes: RecipientOutcomes; reopened: number } {
  let reopened = 0;
  const next: RecipientOutcomes = {};
  for (const [address, outcome] of Object.entries(outcomes)) {
    if (outcome.state === "FAILED") {
      reopened++;
      next[address] = { ...outcome, state: "WAITING" };
    } else next[address] = outcome;
  }
  return { outcomes: next, reopened };
}

/**
 * "Opnieuw proberen": a failed, cancelled or partially sent message goes back into the queue at
 * its own place in the order (its seq), with a fresh 48 hours, for the recipients that have not
 * received it; one that waits for a retry is tried now. Returns how many recipients are still to
 * receive it when the message has per-recipient outcomes (else null: all of them).
 */
export async function retryMessage(prisma: Db, boss: PgBoss, actor: Actor, messageId: string): Promise<{ recipientsToSend: number | null }> {
  const { message, recipientsToSend } = await prisma.$transaction(async (tx) => {
    // Locked, so a drainer cannot record an outcome between reading and rewriting the outcomes.
    const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "OutboundMessage" WHERE id = ${messageId}::uuid FOR UPDATE`;
    const message = row ? await tx.outboundMessage.findUnique({ where: { id: messageId } }) : null;
    if (!message) throw new UserError("logging.errors.notFound", {}, undefined, 404);
    if (!RETRYABLE.includes(message.status)) throw new UserError("logging.errors.notRetryable");
    if (!canRetry(message)) throw new UserError("logging.errors.codeNotRetryable");
    const revived = REVIVED.includes(message.status);
    const hasOutcomes = message.recipientOutcomes !== null;
    const { outcomes, reopened } = revived ? reopenRefusedRecipients(readRecipientOutcomes(message.recipientOutcomes)) : { outcomes: null, reopened: 0 };
    const status = revived ? "QUEUED" : message.status;
    const summary = summarizeRecipients({ ...message, status, recipientOutcomes: outcomes ?? message.recipientOutcomes });
    await tx.outboundMessage.update({
      where: { id: messageId },
      data: {
        status,
        nextAttemptAt: null,
        ...(revived ? { giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS) } : {}),
        ...(reopened > 0 ? { recipientOutcomes: outcomes as Prisma.InputJsonValue } : {}),
      },
    });
    await recordAudit(tx, {
      actor,
      action: "message.retry",
      entityType: "OutboundMessage",
      entityId: messageId,
      params: { status: message.status },
      before: { status: message.status },
      after: { status, ...(hasOutcomes ? { recipientsDelivered: summary.delivered, recipientsToSend: summary.waiting } : {}) },
    });
    return { message, recipientsToSend: hasOutcomes ? summary.waiting : null };
  });
  if (message.serverId) await wakeServer(boss, message.serverId);
  else await boss.send(QUEUES.delivery, { messageId, serverId: null }, DELIVERY_JOB);
  return { recipientsToSend };
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
      params: { status: row.status },
      before: { status: row.status },
      after: { status: "CANCELLED" },
    });
  });
}
