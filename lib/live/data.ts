import "server-only";
import { createHash } from "node:crypto";
import { db, type Db } from "@/lib/db/client.ts";

/**
 * What a page that shows something pending polls (app/api/live/route.ts, LiveRefresh): a
 * fingerprint of exactly what it shows about that pending state, and whether anything is still
 * pending. Each is one statement on indexed columns, cheap enough for every 2 seconds per open page.
 */
export type LiveState = { version: string; pending: boolean };

/** Not final yet; the same list as the server page's queue (lib/delivery/data.ts serverUsage). */
const PENDING = ["QUEUED", "DEFERRED", "SENDING", "RETRYING"];

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

const fingerprint = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);

/** A server's page: its queue (count and the last change in it), the deferral and the pause. */
export async function serverLiveState(prisma: Db, serverId: string, now = new Date()): Promise<LiveState | null> {
  if (!isUuid(serverId)) return null;
  const [row] = await prisma.$queryRaw<{ pausedAt: Date | null; deferredUntil: Date | null; waiting: number; changed: Date | null; lastTestAt: Date | null }[]>`
    SELECT s."pausedAt", s."deferredUntil", s."lastTestAt", q.waiting, q.changed
    FROM "MailServer" s,
      LATERAL (SELECT count(*)::int AS waiting, max(m."updatedAt") AS changed FROM "OutboundMessage" m
               WHERE m."serverId" = s.id AND m.status IN ('QUEUED', 'DEFERRED', 'SENDING', 'RETRYING')) q
    WHERE s.id = ${serverId}::uuid`;
  if (!row) return null;
  const deferred = row.deferredUntil && row.deferredUntil > now ? row.deferredUntil : null;
  return {
    version: fingerprint([row.waiting, row.changed, row.pausedAt, deferred, row.lastTestAt]),
    pending: row.waiting > 0 || row.pausedAt !== null || deferred !== null,
  };
}

/** A sender's page: its state, the current round (tries, locked, completed) and both verification mails. */
export async function senderLiveState(prisma: Db, senderId: string): Promise<(LiveState & { serverId: string }) | null> {
  if (!isUuid(senderId)) return null;
  const [row] = await prisma.$queryRaw<{ serverId: string; state: string; round: unknown[] | null; mails: { status: string; attempts: number }[] | null }[]>`
    SELECT s."serverId", s.state::text AS state,
      json_build_array(v.id, v."failedTries", v."lockedAt", v."completedAt", v."supersededAt") AS round,
      (SELECT json_agg(json_build_object('status', m.status, 'attempts', m."attemptCount") ORDER BY m.kind)
         FROM "OutboundMessage" m WHERE m.id IN (v."ownershipMessageId", v."configurationMessageId")) AS mails
    FROM "Sender" s
      LEFT JOIN LATERAL (SELECT * FROM "SenderVerification" r WHERE r."senderId" = s.id ORDER BY r."createdAt" DESC LIMIT 1) v ON true
    WHERE s.id = ${senderId}::uuid`;
  if (!row) return null;
  const mails = row.mails ?? [];
  return {
    serverId: row.serverId,
    version: fingerprint([row.state, row.round, mails]),
    pending: mails.some((mail) => PENDING.includes(mail.status)),
  };
}

export function loadServerLiveState(serverId: string) {
  return serverLiveState(db(), serverId);
}

export function loadSenderLiveState(senderId: string) {
  return senderLiveState(db(), senderId);
}
