import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import { recipientStates, summarizeRecipients } from "@/lib/delivery/recipients.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A message as `GET /api/v1/messages/{id}` shows it (messageStatusSchema): status, the route it
 * was stored with, what became of each recipient, and every attempt with the other side's reply.
 * Only the application's own mail (and template test messages): verification codes are not the
 * API's business. Bodies are left out on purpose; the caller already has them. The recipients
 * are unmasked: the caller sent them, and needs to know which of them did not get the mail.
 */
export async function getMessageForApi(prisma: Db, id: string) {
  // Postgres rejects a malformed uuid with an error; for the API it is simply not there.
  if (!UUID.test(id)) return null;
  const message = await prisma.outboundMessage.findFirst({
    where: { id, kind: { in: ["APPLICATION", "TEST"] } },
    select: {
      id: true,
      status: true,
      fromName: true,
      fromAddress: true,
      createdAt: true,
      sentAt: true,
      to: true,
      cc: true,
      bcc: true,
      recipientOutcomes: true,
      template: { select: { key: true } },
      server: { select: { id: true, name: true } },
      attempts: {
        orderBy: { id: "asc" },
        select: { number: true, startedAt: true, finishedAt: true, outcome: true, responseCode: true, response: true, error: true },
      },
    },
  });
  if (!message) return null;
  return {
    id: message.id,
    status: message.status,
    template: message.template?.key ?? null,
    route: { server: message.server, from: { name: message.fromName, address: message.fromAddress } },
    recipients: recipientStates(message).map(({ address, state, code, reply, at }) => ({
      address,
      state,
      ...(code !== undefined ? { code } : {}),
      ...(reply !== undefined ? { reply } : {}),
      ...(at !== undefined ? { at } : {}),
    })),
    summary: summarizeRecipients(message),
    attempts: message.attempts,
    createdAt: message.createdAt,
    sentAt: message.sentAt,
  };
}

export type MessageForApi = NonNullable<Awaited<ReturnType<typeof getMessageForApi>>>;

/** `GET /api/v1/messages/{id}`'s read: route handlers never touch the database client themselves. */
export function loadMessageForApi(id: string) {
  return getMessageForApi(db(), id);
}
