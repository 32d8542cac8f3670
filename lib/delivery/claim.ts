import { config } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import { logger } from "@/lib/log/logger.ts";
import { checkLimits, limitLabel, roomLeft, splitRecipients, windowMs, type Entry, type Limit } from "./limiter.ts";
import { DEAD_AFTER_SECONDS } from "./liveness.ts";
import { finalStatus, pendingRecipients, readRecipientOutcomes, summarizeRecipients, type RecipientOutcomes } from "./recipients.ts";
import { deliveryNote } from "./notes.ts";
import { LONGEST_HANDOVER_MS } from "./transport-pool.ts";

/**
 * The database side of draining a server: the lease (one drainer per server across processes),
 * claiming the next messages in submission order under the limits, giving back what was claimed
 * but never sent, and recovering what a dead drainer left on the wire.
 */

const ADVISORY_NAMESPACE = 0x506b; // "Pk"

export type ClaimedMessage = {
  id: string;
  attemptId: bigint;
  attemptCount: number;
  possibleDuplicate: boolean;
  fromName: string;
  fromAddress: string;
  replyTo: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  messageIdHeader: string;
  /** What earlier attempts settled per recipient; those recipients are not in `chunks`. */
  outcomes: RecipientOutcomes;
  /** One SMTP transaction each. handoffId null: the server has no limits, nothing needs counting. */
  chunks: { recipients: string[]; handoffId: bigint | null }[];
};

export type ServerRow = NonNullable<Awaited<ReturnType<typeof loadServer>>>;

/** `now` is the database's clock at the claim, `offset` its difference from this process's clock. */
export type Claim = { now: number; offset: number; messages: ClaimedMessage[] };

export function loadServer(prisma: Db, serverId: string) {
  return prisma.mailServer.findUnique({ where: { id: serverId }, include: { limits: true } });
}

export function limitsOf(server: ServerRow): Limit[] {
  return server.limits.map((l) => ({ count: l.count, window: l.window, windowSize: l.windowSize, unit: l.unit }));
}

async function dbNow(prisma: Pick<Db, "$queryRaw">): Promise<number> {
  const [row] = await prisma.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  return row!.now.getTime();
}

export type LeaseResult = { leased: true } | { leased: false; deferredUntil: Date | null };

/**
 * Takes (or renews) the drain lease of a server. A lease is free when it lapsed, or when its
 * holder's worker process stopped sending heartbeats (liveness.ts): a dead worker's servers are
 * taken over within seconds, while a live worker in a slow SMTP hand-over keeps beating and keeps
 * its lease. When the lease is not taken because the server waits, says until when.
 */
export async function takeLease(prisma: Db, serverId: string, holder: string): Promise<LeaseResult> {
  const leaseSeconds = config().DRAIN_LEASE_SECONDS;
  const leased = await prisma.$executeRaw`
    UPDATE "MailServer" s SET "drainHolder" = ${holder}, "drainLeaseUntil" = clock_timestamp() + make_interval(secs => ${leaseSeconds})
    WHERE id = ${serverId}::uuid AND "pausedAt" IS NULL
      AND ("deferredUntil" IS NULL OR "deferredUntil" <= clock_timestamp())
      AND ("drainLeaseUntil" IS NULL OR "drainLeaseUntil" < clock_timestamp() OR "drainHolder" = ${holder}
        OR EXISTS (SELECT 1 FROM "WorkerProcess" w WHERE starts_with(s."drainHolder", w.id || ':')
          AND w."heartbeatAt" < clock_timestamp() - make_interval(secs => ${DEAD_AFTER_SECONDS})))`;
  if (leased > 0) return { leased: true };
  const [row] = await prisma.$queryRaw<{ deferredUntil: Date | null; held: boolean; paused: boolean }[]>`
    SELECT "deferredUntil", ("drainLeaseUntil" IS NOT NULL AND "drainLeaseUntil" >= clock_timestamp()) AS held, "pausedAt" IS NOT NULL AS paused
    FROM "MailServer" WHERE id = ${serverId}::uuid`;
  // Only a wait is worth reporting: a held lease is another drainer's, a paused server waits for a person.
  return { leased: false, deferredUntil: row && !row.held && !row.paused ? row.deferredUntil : null };
}

export async function renewLease(prisma: Db, serverId: string, holder: string): Promise<void> {
  await prisma.$executeRaw`UPDATE "MailServer" SET "drainLeaseUntil" = clock_timestamp() + make_interval(secs => ${config().DRAIN_LEASE_SECONDS}) WHERE id = ${serverId}::uuid AND "drainHolder" = ${holder}`;
}

export async function releaseLease(prisma: Db, serverId: string, holder: string): Promise<void> {
  await prisma.$executeRaw`UPDATE "MailServer" SET "drainHolder" = NULL, "drainLeaseUntil" = NULL WHERE id = ${serverId}::uuid AND "drainHolder" = ${holder}`;
}

/**
 * A drainer that died leaves its claimed messages in SENDING. A lane releases a message's end to
 * the server only after the previous hand-over's record, which marks the message as released
 * (DeliveryAttempt.handedOverAt), has committed; so a message whose open attempt is released may
 * have arrived, and one that is not never did. The first are sent again with the same Message-ID,
 * marked as possible duplicates, their hand-overs still counting against the limits (at most one
 * per lane of the dead drainer); the others go back untouched, as if never claimed. Policy in the
 * README ("Crash policy").
 */
export async function recoverInterrupted(prisma: Db, server: ServerRow): Promise<void> {
  const interrupted = await prisma.$queryRaw<{ id: string; released: boolean }[]>`
    SELECT m.id, EXISTS (SELECT 1 FROM "DeliveryAttempt" a WHERE a."messageId" = m.id AND a."finishedAt" IS NULL AND a."handedOverAt" IS NOT NULL) AS released
    FROM "OutboundMessage" m WHERE m."serverId" = ${server.id}::uuid AND m.status = 'SENDING'`;
  if (interrupted.length === 0) return;
  const onWire = interrupted.filter((m) => m.released).map((m) => m.id);
  const neverSent = interrupted.filter((m) => !m.released).map((m) => m.id);
  await prisma.$transaction([
    prisma.deliveryAttempt.updateMany({
      where: { messageId: { in: onWire }, finishedAt: null },
      data: {
        finishedAt: new Date(),
        outcome: "RETRY",
        error: deliveryNote.interrupted(),
      },
    }),
    prisma.outboundMessage.updateMany({ where: { id: { in: onWire }, status: "SENDING" }, data: { status: "QUEUED", possibleDuplicate: true } }),
    ...(neverSent.length ? giveBackStatements(prisma, neverSent) : []),
  ]);
  logger.warn("recovered interrupted hand-overs", { serverId: server.id, possiblyOnTheWire: onWire.length, givenBack: neverSent.length });
}

/** Claimed but never started: their open attempt and provisional hand-overs go, the message returns to its place. */
function giveBackStatements(prisma: Db, ids: string[]) {
  return [
    prisma.$executeRaw`DELETE FROM "ServerHandoff" WHERE "messageId" = ANY(${ids}::uuid[]) AND "countsUntil" > clock_timestamp()`,
    prisma.$executeRaw`DELETE FROM "DeliveryAttempt" WHERE "messageId" = ANY(${ids}::uuid[]) AND "finishedAt" IS NULL`,
    prisma.$executeRaw`
      UPDATE "OutboundMessage" SET status = CASE WHEN "nextAttemptAt" IS NULL THEN 'QUEUED'::"MessageStatus" ELSE 'DEFERRED'::"MessageStatus" END,
        "attemptCount" = greatest(0, "attemptCount" - 1) WHERE id = ANY(${ids}::uuid[]) AND status = 'SENDING'`,
  ];
}

/** Gives claimed messages back that were never handed over (the server said stop, or a prefetch was not needed). */
export async function giveBack(prisma: Db, messages: ClaimedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await prisma.$transaction(
    giveBackStatements(
      prisma,
      messages.map((m) => m.id),
    ),
  );
}

/** A claim takes no more than this many bytes of message bodies (and at least one message). */
export const CLAIM_BYTES = 8 * 1024 * 1024;

/** The columns a claim reads: what the hand-over needs (ClaimedMessage's own columns) and what the claim checks. */
type CandidateRow = Pick<
  ClaimedMessage,
  "id" | "attemptCount" | "possibleDuplicate" | "fromName" | "fromAddress" | "replyTo" | "to" | "cc" | "bcc" | "subject" | "text" | "html" | "messageIdHeader"
> & {
  status: string;
  giveUpAt: Date;
  deferredSince: Date | null;
  /** jsonb as text, parsed here (readRecipientOutcomes checks its shape). */
  recipientOutcomes: string | null;
};

/**
 * Claims the next messages of a server in submission order (seq), under an advisory lock per
 * server: each fits every limit given the hand-over log, or the head waits for the exact moment
 * its window frees and the server waits with it (FIFO). Only the recipients still pending are
 * claimed, split by the per-message cap; each transaction is logged as a hand-over that counts.
 */
export async function claimBatch(prisma: Db, server: ServerRow, batchSize: number): Promise<Claim> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_NAMESPACE}::int, hashtext(${server.id}))`;
    // The database's clock was read somewhere between `asked` and the answer. Taking the earliest
    // (the offset's upper bound) makes every hand-over time recorded from this process's clock
    // late rather than early: a loaded machine's slow answer could otherwise end a hand-over's
    // count before the server received it, and free its window too soon.
    const asked = Date.now();
    const now = await dbNow(tx);
    const offset = now - asked;
    if (server.deferredUntil && server.deferredUntil.getTime() > now) return { now, offset, messages: [] };
    const limits = limitsOf(server);
    const margin = server.windowMarginMs;
    const longest = Math.max(0, ...limits.map(windowMs)) + margin;
    // Raw statements on this hot path (here and for the inserts below): a claim at a window's edge
    // reads hundreds of hand-overs for one message, and the ORM's per-row work was the largest
    // part of a busy worker's time (docs/benchmarks.md, `scale`).
    const entries: Entry[] = limits.length
      ? await tx.$queryRaw<Entry[]>`
          SELECT (extract(epoch FROM "countsUntil") * 1000)::float8 AS "countsUntil", recipients FROM "ServerHandoff"
          WHERE "serverId" = ${server.id}::uuid AND "countsUntil" > ${new Date(now - longest)}`
      : [];
    // No more messages than the windows have room for: a throttled server's claim reads the few
    // that can go, not a whole batch. At least one, so a full window defers its head.
    const room = roomLeft(limits, entries, now, margin);
    // In submission order, up to the room, and no more body bytes than CLAIM_BYTES (at least one
    // message): a batch of large messages must not take the worker's memory (32 drains at once,
    // two batches each in flight). The sizes come from the rows' headers, not the bodies.
    const sized = await tx.$queryRaw<{ id: string; bytes: number }[]>`
      SELECT id, (coalesce(octet_length(text), 0) + coalesce(octet_length(html), 0))::int AS bytes FROM "OutboundMessage"
      WHERE "serverId" = ${server.id}::uuid AND status IN ('QUEUED', 'DEFERRED', 'RETRYING')
        AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${new Date(now)})
      ORDER BY seq LIMIT ${Math.max(1, Math.min(batchSize, room))}`;
    let bytes = 0;
    const within = sized.filter((row, i) => (bytes += row.bytes) <= CLAIM_BYTES || i === 0).map((row) => row.id);
    const candidates =
      within.length === 0
        ? []
        : (
            await tx.$queryRaw<CandidateRow[]>`
              SELECT id::text AS id, status::text AS status, "attemptCount", "possibleDuplicate", "giveUpAt", "deferredSince",
                "recipientOutcomes"::text AS "recipientOutcomes", "fromName", "fromAddress", "replyTo", "to", cc, bcc, subject, text, html,
                "messageIdHeader"
              FROM "OutboundMessage" WHERE id = ANY(${within}::uuid[]) ORDER BY seq`
          ).map((row) => ({ ...row, recipientOutcomes: row.recipientOutcomes === null ? null : (JSON.parse(row.recipientOutcomes) as unknown) }));
    if (candidates.length === 0) return { now, offset, messages: [] };

    const claimed: { message: (typeof candidates)[number]; outcomes: RecipientOutcomes; chunks: string[][] }[] = [];
    for (const message of candidates) {
      const outcomes = readRecipientOutcomes(message.recipientOutcomes);
      const pending = pendingRecipients(message, outcomes);
      if (pending.length === 0 || message.giveUpAt.getTime() < now) {
        await settleWithoutSending(tx, message, outcomes, pending, now);
        continue;
      }
      const chunks = splitRecipients(pending, server.maxRecipientsPerMessage);
      const verdict = checkLimits(limits, entries, { transactions: chunks.length, recipients: pending.length }, now, margin);
      if (!verdict.fits) {
        // Blocked by what this batch just claimed: their finish times are not known yet, so send
        // them first; the next claim computes the exact moment from the recorded times.
        if (claimed.length > 0 && !verdict.neverFits) break;
        if (verdict.neverFits) {
          await tx.outboundMessage.update({
            where: { id: message.id },
            data: { status: "FAILED", nextAttemptAt: null, lastError: deliveryNote.neverFits(limitLabel(verdict.limit)) },
          });
          continue;
        }
        // The head waits for the exact moment the window frees, and the server waits with it.
        const freeAt = new Date(verdict.freeAt);
        const reason = limitLabel(verdict.limit);
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: { status: "DEFERRED", nextAttemptAt: freeAt, deferredSince: message.deferredSince ?? new Date(now), deferredReason: reason },
        });
        await tx.mailServer.update({ where: { id: server.id }, data: { deferredUntil: freeAt, deferredReason: reason } });
        if (!message.deferredSince) await tx.limitHit.create({ data: { serverId: server.id, reason, at: new Date(now) } });
        break;
      }
      claimed.push({ message, outcomes, chunks });
      for (const chunk of chunks) entries.push({ countsUntil: now + LONGEST_HANDOVER_MS, recipients: chunk.length });
    }
    if (claimed.length === 0) return { now, offset, messages: [] };

    const ids = claimed.map((c) => c.message.id);
    await tx.$executeRaw`
      UPDATE "OutboundMessage" SET status = 'SENDING', "attemptCount" = "attemptCount" + 1, "updatedAt" = clock_timestamp()
      WHERE id = ANY(${ids}::uuid[])`;
    if (server.deferredUntil) await tx.mailServer.update({ where: { id: server.id }, data: { deferredUntil: null, deferredReason: null } });
    const attempts = await tx.$queryRaw<{ id: bigint; messageId: string }[]>`
      INSERT INTO "DeliveryAttempt" ("messageId", number, route, "startedAt")
      SELECT m, n, 'server', ${new Date(now)} FROM unnest(${ids}::uuid[], ${claimed.map((c) => c.message.attemptCount + 1)}::int[]) AS x(m, n)
      RETURNING id, "messageId"::text AS "messageId"`;
    // Without limits there is nothing to count: the hand-over log is only written where it is read.
    const transactions = claimed.flatMap((c) => c.chunks.map((chunk) => ({ messageId: c.message.id, recipients: chunk.length })));
    const handoffs =
      limits.length === 0
        ? []
        : await tx.$queryRaw<{ id: bigint; messageId: string }[]>`
            INSERT INTO "ServerHandoff" ("serverId", "messageId", recipients, "claimedAt", "countsUntil")
            SELECT ${server.id}::uuid, m, r, ${new Date(now)}, ${new Date(now + LONGEST_HANDOVER_MS)}
            FROM unnest(${transactions.map((t) => t.messageId)}::uuid[], ${transactions.map((t) => t.recipients)}::int[]) WITH ORDINALITY AS x(m, r, i)
            ORDER BY i
            RETURNING id, "messageId"::text AS "messageId"`;
    const attemptOf = new Map(attempts.map((a) => [a.messageId, a.id]));
    const handoffsOf = new Map<string, bigint[]>();
    // Ids follow the insert's order: a message's i-th transaction gets its i-th hand-over.
    for (const h of [...handoffs].sort((a, b) => (a.id < b.id ? -1 : 1))) handoffsOf.set(h.messageId, [...(handoffsOf.get(h.messageId) ?? []), h.id]);
    return {
      now,
      offset,
      messages: claimed.map(({ message, outcomes, chunks }) => ({
        id: message.id,
        attemptId: attemptOf.get(message.id)!,
        attemptCount: message.attemptCount + 1,
        possibleDuplicate: message.possibleDuplicate,
        fromName: message.fromName,
        fromAddress: message.fromAddress,
        replyTo: message.replyTo,
        to: message.to,
        cc: message.cc,
        bcc: message.bcc,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageIdHeader: message.messageIdHeader,
        outcomes,
        chunks: chunks.map((recipients, i) => ({ recipients, handoffId: handoffsOf.get(message.id)?.[i] ?? null })),
      })),
    };
  });
}

type Candidate = { id: string; to: string[]; cc: string[]; bcc: string[]; status: string; recipientOutcomes: unknown };

/**
 * A message with nothing left to send (a drainer died between its last hand-over and the final
 * record), or past its 48 hours: it ends here, keeping what was delivered.
 */
async function settleWithoutSending(
  tx: Pick<Db, "outboundMessage">,
  message: Candidate,
  outcomes: RecipientOutcomes,
  pending: string[],
  now: number,
): Promise<void> {
  const at = new Date(now).toISOString();
  const settled: RecipientOutcomes = { ...outcomes };
  for (const address of pending) settled[address] = { state: "FAILED", at, ...(outcomes[address]?.code ? { code: outcomes[address].code } : {}) };
  const status = finalStatus(summarizeRecipients({ ...message, status: "SENDING", recipientOutcomes: settled }));
  const gaveUp = pending.length > 0;
  await tx.outboundMessage.update({
    where: { id: message.id },
    data: {
      status,
      nextAttemptAt: null,
      ...(status === "SENT" ? { sentAt: new Date(now) } : {}),
      ...(Object.keys(settled).length ? { recipientOutcomes: settled } : {}),
      ...(gaveUp ? { lastError: deliveryNote.gaveUp() } : {}),
    },
  });
}
