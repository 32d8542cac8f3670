import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { PreflightReport } from "./preflight.ts";
import { codeEntryRefusal, senderDisplayState } from "./state.ts";

/** The stored DMARC preflight report, when it is in the format this version renders. */
function preflightReportOf(value: Prisma.JsonValue | null): PreflightReport | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) && value.version === 1 ? (value as unknown as PreflightReport) : null;
}

export async function listSenders(prisma: Db, serverId: string) {
  const senders = await prisma.sender.findMany({
    where: { serverId },
    orderBy: { address: "asc" },
    // The list shows only the verdict; the full report is read on the sender's own page.
    omit: { preflightReport: true },
    include: { verifications: { orderBy: { createdAt: "desc" }, take: 1, select: { expiresAt: true, completedAt: true } } },
  });
  const now = new Date();
  return senders.map(({ verifications, ...sender }) => ({ ...sender, displayState: senderDisplayState(sender.state, verifications[0], now) }));
}

/** A sender with its current round (never the code hashes) and the delivery of both verification mails. */
export async function getSender(prisma: Db, senderId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(senderId)) return null;
  const sender = await prisma.sender.findUnique({
    where: { id: senderId },
    include: {
      server: { select: { id: true, name: true } },
      verifications: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: {
          id: true,
          expiresAt: true,
          completedAt: true,
          supersededAt: true,
          lockedAt: true,
          failedTries: true,
          ownershipMessageId: true,
          configurationMessageId: true,
          ownershipCodeHash: true,
          requestedByLabel: true,
          createdAt: true,
        },
      },
    },
  });
  if (!sender) return null;
  const { verifications, preflightReport, ...rest } = sender;
  const round = verifications[0] ?? null;
  const messageIds = [round?.ownershipMessageId, round?.configurationMessageId].filter((id): id is string => Boolean(id));
  const messages = await prisma.outboundMessage.findMany({
    where: { id: { in: messageIds } },
    select: {
      id: true,
      kind: true,
      status: true,
      attemptCount: true,
      lastResponse: true,
      lastError: true,
      sentAt: true,
      attempts: { orderBy: { id: "desc" }, take: 1, select: { dns: true, tried: true, response: true, error: true, explanationId: true } },
    },
  });
  return {
    ...rest,
    displayState: senderDisplayState(sender.state, round),
    /** Null when codes can be entered now (what verifySender would refuse, else). */
    codeEntryRefusal: codeEntryRefusal(sender.state, round),
    preflightReport: preflightReportOf(preflightReport),
    round: round
      ? {
          id: round.id,
          expiresAt: round.expiresAt,
          open: !round.completedAt && !round.supersededAt,
          locked: Boolean(round.lockedAt),
          failedTries: round.failedTries,
          needsOwnershipCode: round.ownershipCodeHash !== null,
          requestedBy: round.requestedByLabel,
        }
      : null,
    messages,
  };
}

// Reads for pages, on this process's client: pages never touch the database client themselves.

export function loadSenders(serverId: string) {
  return listSenders(db(), serverId);
}

export function loadSender(senderId: string) {
  return getSender(db(), senderId);
}
