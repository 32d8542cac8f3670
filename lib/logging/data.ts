import "server-only";
import type { Db } from "@/lib/db/client.ts";

export const LOG_PAGE_SIZE = 50;

/** Without "Logging details bekijken" recipients and subjects are masked (SPEC §1). */
export function maskAddress(address: string): string {
  const [local = "", domain = ""] = address.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}

/**
 * The delivery log of one server (or of the platform's own delivery when serverId is null),
 * newest first, keyset-paged on the submission sequence.
 */
export async function listMessages(prisma: Db, options: { serverId: string | null; before?: bigint; details: boolean }) {
  const rows = await prisma.outboundMessage.findMany({
    where: { serverId: options.serverId, ...(options.before ? { seq: { lt: options.before } } : {}) },
    orderBy: { seq: "desc" },
    take: LOG_PAGE_SIZE + 1,
    select: {
      id: true,
      seq: true,
      kind: true,
      createdAt: true,
      fromName: true,
      fromAddress: true,
      to: true,
      cc: true,
      bcc: true,
      subject: true,
      status: true,
      attemptCount: true,
      lastResponse: true,
      lastError: true,
    },
  });
  const page = rows.slice(0, LOG_PAGE_SIZE).map((row) => ({
    ...row,
    recipients: [...row.to, ...row.cc, ...row.bcc].map((a) => (options.details ? a : maskAddress(a))),
    subject: options.details ? row.subject : null,
  }));
  return { messages: page, nextCursor: rows.length > LOG_PAGE_SIZE ? page.at(-1)!.seq : null };
}

export async function getMessage(prisma: Db, id: string, details: boolean) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const message = await prisma.outboundMessage.findUnique({
    where: { id },
    select: {
      id: true,
      kind: true,
      serverId: true,
      server: { select: { name: true } },
      fromName: true,
      fromAddress: true,
      to: true,
      cc: true,
      bcc: true,
      subject: true,
      status: true,
      attemptCount: true,
      nextAttemptAt: true,
      messageIdHeader: true,
      lastResponse: true,
      lastError: true,
      createdAt: true,
      sentAt: true,
      giveUpAt: true,
      attempts: { orderBy: { id: "desc" } },
    },
  });
  if (!message) return null;
  return {
    ...message,
    recipients: [...message.to, ...message.cc, ...message.bcc].map((a) => (details ? a : maskAddress(a))),
    subject: details ? message.subject : null,
  };
}
