import { randomUUID } from "node:crypto";
import { fromPrisma, type PgBoss } from "pg-boss";
import { config } from "@/lib/config.ts";
import type { Tx } from "@/lib/db/client.ts";
import type { MessageKind } from "@/lib/generated/prisma/enums.ts";
import { DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";

export type NewMessage = {
  kind: MessageKind;
  /** null: the platform's own delivery (smarthost or direct to MX). */
  serverId: string | null;
  senderId?: string | null;
  from: { name: string; address: string };
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string | null;
  subject: string;
  text: string | null;
  html?: string | null;
  giveUpAt: Date;
  templateId?: string | null;
  apiKeyId?: string | null;
  idempotencyKey?: string | null;
};

/** A Message-ID in the sender's domain, fixed at acceptance so every attempt (and a re-send after a crash) carries the same one. */
export function messageIdFor(id: string, fromAddress: string): string {
  const domain = fromAddress.split("@")[1] ?? "postkamer.invalid";
  return `<${id}@${domain}>`;
}

/**
 * Stores a message and its delivery job in the caller's transaction: either both exist or
 * neither (pg-boss's fromPrisma adapter writes the job through the same connection). The outbox
 * owns the queue and the job's options; callers only say what to send.
 */
export async function queueMessage(tx: Tx, boss: PgBoss, message: NewMessage): Promise<{ id: string }> {
  const id = randomUUID();
  // Header injection: names and subject reach MIME headers (ASVS 1.3.11); callers validate, this holds the line.
  for (const value of [message.from.name, message.subject, message.replyTo ?? ""]) {
    if (/[\r\n\u0000-\u001f\u007f]/.test(value)) throw new TypeError("control characters in a header value");
  }
  const cc = message.cc ?? [];
  const bcc = message.bcc ?? [];
  await tx.outboundMessage.create({
    data: {
      id,
      kind: message.kind,
      serverId: message.serverId,
      senderId: message.senderId ?? null,
      fromName: message.from.name,
      fromAddress: message.from.address,
      replyTo: message.replyTo ?? null,
      to: message.to,
      cc,
      bcc,
      recipientCount: message.to.length + cc.length + bcc.length,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      messageIdHeader: messageIdFor(id, message.from.address),
      giveUpAt: message.giveUpAt,
      templateId: message.templateId ?? null,
      apiKeyId: message.apiKeyId ?? null,
      idempotencyKey: message.idempotencyKey ?? null,
    },
  });
  await boss.send(
    QUEUES.delivery,
    { messageId: id, serverId: message.serverId },
    { ...DELIVERY_JOB, retryDelay: config().RETRY_BASE_SECONDS, db: fromPrisma(tx) },
  );
  return { id };
}
