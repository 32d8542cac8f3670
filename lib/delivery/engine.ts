import type { Transporter } from "nodemailer";
import { allowPrivateSmtpHosts, config } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import { HostRefusedError } from "@/lib/mailservers/host-guard.ts";
import { logger } from "@/lib/ops/logger.ts";
import { ceilingHintById, SENDER_LEVEL } from "@/lib/smtp/replies.ts";
import { recordObservedCeiling } from "./observed-limits.ts";
import { backoffMs, checkLimits, limitLabel, splitRecipients, windowMs, type Entry, type Limit } from "./limiter.ts";
import { deliveryErrorOutcome, type DeliveryErrorOutcome } from "./platform-transport.ts";
import { LONGEST_HANDOVER_MS, transportFor } from "./transport-pool.ts";

/**
 * The delivery engine for customers' servers: FIFO per server, no configured limit ever
 * exceeded, also with several worker processes.
 *
 * One drainer per server at a time (a lease on the server row, across processes). The drainer
 * claims the next messages in submission order (seq) in a transaction under an advisory lock,
 * checks every limit against the hand-over log (lib/delivery/limiter.ts) and logs each SMTP
 * transaction it is about to start. When a window is full the head message is deferred to the
 * exact moment it frees, the server waits with it, and nothing behind it overtakes it. Sending
 * happens outside the transaction over the server's pooled transport; the results of a batch are
 * recorded in one transaction.
 */
export type DrainResult = { busy: boolean; sent: number; wakeAt: Date | null };

const ADVISORY_NAMESPACE = 0x506b; // "Pk"

type ClaimedMessage = {
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
  /** handoffId null: the server has no limits, so nothing needs counting. */
  chunks: { recipients: string[]; handoffId: bigint | null }[];
};

type ServerRow = NonNullable<Awaited<ReturnType<typeof loadServer>>>;

function loadServer(prisma: Db, serverId: string) {
  return prisma.mailServer.findUnique({ where: { id: serverId }, include: { limits: true } });
}

async function dbNow(prisma: Pick<Db, "$queryRaw">): Promise<number> {
  const [row] = await prisma.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
  return row!.now.getTime();
}

export async function drainServer(
  prisma: Db,
  serverId: string,
  options: { workerId: string; batchSize?: number; maxMs?: number },
): Promise<DrainResult> {
  // 500 per claim: measured 924 against 559 msg/s with 100 (docs/benchmarks.md); claims and
  // records cost per batch, not per message.
  const batchSize = options.batchSize ?? 500;
  const leaseSeconds = config().DRAIN_LEASE_SECONDS;
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  let sent = 0;
  for (;;) {
    const leased = await prisma.$executeRaw`
      UPDATE "MailServer" SET "drainHolder" = ${options.workerId}, "drainLeaseUntil" = clock_timestamp() + make_interval(secs => ${leaseSeconds})
      WHERE id = ${serverId}::uuid AND "pausedAt" IS NULL
        AND ("deferredUntil" IS NULL OR "deferredUntil" <= clock_timestamp())
        AND ("drainLeaseUntil" IS NULL OR "drainLeaseUntil" < clock_timestamp() OR "drainHolder" = ${options.workerId})`;
    if (leased === 0) return { busy: true, sent, wakeAt: null };
    // The previous batch's results, being written while the next batch is on the wire.
    let recording: Promise<number> | null = null;
    try {
      await recoverInterrupted(prisma, serverId);
      let server = await loadServer(prisma, serverId);
      let claim = server && !server.pausedAt && Date.now() < deadline ? await claimBatch(prisma, server, batchSize) : null;
      while (server && claim && claim.messages.length > 0) {
        logger.debug("drain batch", { serverId, claimed: claim.messages.length });
        // Without limits there is nothing to count, so the database work overlaps the SMTP work:
        // the next batch is claimed (in seq order, after this one) while this one is sent, and this
        // one is recorded while the next one is sent. It goes out only after this one finished, so
        // order holds. Under limits every claim must see the previous batch's real hand-over
        // times, so there the phases stay one after another.
        const pipelined = server.limits.length === 0;
        const sending = sendClaimed(server, claim.messages);
        const [sendOutcome, nextOutcome, reloadOutcome] = await Promise.allSettled([
          sending,
          pipelined && Date.now() < deadline ? claimBatch(prisma, server, batchSize) : Promise.resolve(null),
          pipelined ? loadServer(prisma, serverId) : Promise.resolve(null),
        ]);
        const results = (sendOutcome as PromiseFulfilledResult<SendResults>).value;
        if (recording) sent += await recording;
        recording = recordResults(prisma, server, claim, results);
        // Awaited below or in `finally`; until then a failure must not count as unhandled.
        recording.catch(() => undefined);
        if (nextOutcome.status === "rejected") throw nextOutcome.reason;
        if (reloadOutcome.status === "rejected") throw reloadOutcome.reason;
        let next = nextOutcome.value;
        const reloaded = reloadOutcome.value;
        if (results.stopped || !pipelined) {
          sent += await recording;
          recording = null;
        }
        // Claimed ahead, but the server said stop, or was paused or given limits meanwhile: as if never claimed.
        if (next && (results.stopped || !reloaded || reloaded.pausedAt || reloaded.limits.length > 0)) {
          await recordResults(prisma, server, next, { results: next.messages.map((message) => ({ kind: "unsent", message })), stopped: true });
          next = null;
        }
        if (results.stopped) break;
        await prisma.$executeRaw`UPDATE "MailServer" SET "drainLeaseUntil" = clock_timestamp() + make_interval(secs => ${leaseSeconds}) WHERE id = ${serverId}::uuid AND "drainHolder" = ${options.workerId}`;
        if (next) {
          server = reloaded!;
          claim = next;
        } else {
          if (Date.now() >= deadline) break;
          server = await loadServer(prisma, serverId);
          claim = server && !server.pausedAt ? await claimBatch(prisma, server, batchSize) : null;
        }
      }
    } finally {
      if (recording) sent += await recording;
      await prisma.$executeRaw`UPDATE "MailServer" SET "drainHolder" = NULL, "drainLeaseUntil" = NULL WHERE id = ${serverId}::uuid AND "drainHolder" = ${options.workerId}`;
    }
    // Released first, then looked again: a message committed while we held the lease (whose own
    // job saw the lease taken) is picked up here, and one committed later finds the lease free.
    const next = await nextWake(prisma, serverId);
    if (next && next.getTime() <= Date.now() && Date.now() < deadline) continue;
    return { busy: false, sent, wakeAt: next && next.getTime() <= Date.now() ? new Date() : next };
  }
}

/** When this server next has something to do: now, a deferral's end, or a retry's time. */
export async function nextWake(prisma: Db, serverId: string): Promise<Date | null> {
  const [row] = await prisma.$queryRaw<{ paused: boolean; deferredUntil: Date | null; next: Date | null; ready: boolean }[]>`
    SELECT s."pausedAt" IS NOT NULL AS paused, s."deferredUntil",
      (SELECT min("nextAttemptAt") FROM "OutboundMessage" WHERE "serverId" = s.id AND status IN ('DEFERRED', 'RETRYING')) AS next,
      EXISTS (SELECT 1 FROM "OutboundMessage" WHERE "serverId" = s.id AND (status = 'QUEUED' OR (status IN ('DEFERRED','RETRYING') AND "nextAttemptAt" <= clock_timestamp()))) AS ready
    FROM "MailServer" s WHERE s.id = ${serverId}::uuid`;
  if (!row || row.paused) return null;
  const now = new Date();
  if (row.deferredUntil && row.deferredUntil > now) return row.deferredUntil;
  if (row.ready) return now;
  return row.next;
}

/**
 * A worker that died between handing messages to SMTP and recording the answer leaves them in
 * SENDING. Policy (documented in the README): they go back to the head of the queue, keep their
 * Message-ID and are sent again, marked as possible duplicates in the log. Their hand-over log
 * entries stay, so the retry counts against the limits as if the first had arrived.
 */
async function recoverInterrupted(prisma: Db, serverId: string): Promise<void> {
  const interrupted = await prisma.outboundMessage.findMany({ where: { serverId, status: "SENDING" }, select: { id: true } });
  if (interrupted.length === 0) return;
  const ids = interrupted.map((m) => m.id);
  await prisma.$transaction([
    prisma.deliveryAttempt.updateMany({
      where: { messageId: { in: ids }, finishedAt: null },
      data: { finishedAt: new Date(), outcome: "RETRY", error: "Onderbroken: de worker stopte tijdens de overdracht; wordt opnieuw verstuurd (mogelijk dubbel)" },
    }),
    prisma.outboundMessage.updateMany({ where: { id: { in: ids }, status: "SENDING" }, data: { status: "QUEUED", possibleDuplicate: true } }),
  ]);
  logger.warn("recovered interrupted hand-overs", { serverId, messages: ids.length });
}

type Claim = { now: number; offset: number; messages: ClaimedMessage[] };

async function claimBatch(prisma: Db, server: ServerRow, batchSize: number): Promise<Claim> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_NAMESPACE}::int, hashtext(${server.id}))`;
    const now = await dbNow(tx);
    const offset = now - Date.now();
    if (server.deferredUntil && server.deferredUntil.getTime() > now) return { now, offset, messages: [] };
    const candidates = await tx.outboundMessage.findMany({
      where: {
        serverId: server.id,
        status: { in: ["QUEUED", "DEFERRED", "RETRYING"] },
        OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: new Date(now) } }],
      },
      orderBy: { seq: "asc" },
      take: batchSize,
    });
    if (candidates.length === 0) return { now, offset, messages: [] };

    const limits: Limit[] = server.limits.map((l) => ({ count: l.count, window: l.window, windowSize: l.windowSize, unit: l.unit }));
    const longest = Math.max(0, ...limits.map(windowMs));
    const entries: Entry[] = limits.length
      ? (
          await tx.serverHandoff.findMany({
            where: { serverId: server.id, countsUntil: { gt: new Date(now - longest) } },
            select: { countsUntil: true, recipients: true },
          })
        ).map((e) => ({ countsUntil: e.countsUntil.getTime(), recipients: e.recipients }))
      : [];

    const claimed: { message: (typeof candidates)[number]; chunks: string[][] }[] = [];
    for (const message of candidates) {
      if (message.giveUpAt.getTime() < now) {
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: { status: "FAILED", nextAttemptAt: null, lastError: "Opgegeven: niet afgeleverd binnen 48 uur" },
        });
        continue;
      }
      const chunks = splitRecipients([...message.to, ...message.cc, ...message.bcc], server.maxRecipientsPerMessage);
      const verdict = checkLimits(limits, entries, { transactions: chunks.length, recipients: message.recipientCount }, now);
      if (!verdict.fits) {
        // Blocked by what this batch just claimed: their finish times are not known yet, so send
        // them first; the next claim computes the exact moment from the recorded times.
        if (claimed.length > 0 && !verdict.neverFits) break;
        if (verdict.neverFits) {
          await tx.outboundMessage.update({
            where: { id: message.id },
            data: { status: "FAILED", nextAttemptAt: null, lastError: `Groter dan de limiet ${limitLabel(verdict.limit)}: kan nooit worden verstuurd` },
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
      claimed.push({ message, chunks });
      for (const chunk of chunks) entries.push({ countsUntil: now + LONGEST_HANDOVER_MS, recipients: chunk.length });
    }
    if (claimed.length === 0) return { now, offset, messages: [] };

    const ids = claimed.map((c) => c.message.id);
    await tx.$executeRaw`
      UPDATE "OutboundMessage" SET status = 'SENDING', "attemptCount" = "attemptCount" + 1, "updatedAt" = clock_timestamp()
      WHERE id = ANY(${ids}::uuid[])`;
    if (server.deferredUntil) await tx.mailServer.update({ where: { id: server.id }, data: { deferredUntil: null, deferredReason: null } });
    const attempts = await tx.deliveryAttempt.createManyAndReturn({
      data: claimed.map((c) => ({ messageId: c.message.id, number: c.message.attemptCount + 1, route: "server", startedAt: new Date(now) })),
      select: { id: true, messageId: true },
    });
    // Without limits there is nothing to count: the hand-over log is only written where it is read.
    const handoffs = limits.length === 0 ? [] : await tx.serverHandoff.createManyAndReturn({
      data: claimed.flatMap((c) =>
        c.chunks.map((chunk) => ({
          serverId: server.id,
          messageId: c.message.id,
          recipients: chunk.length,
          claimedAt: new Date(now),
          countsUntil: new Date(now + LONGEST_HANDOVER_MS),
        })),
      ),
      select: { id: true, messageId: true },
    });
    const attemptOf = new Map(attempts.map((a) => [a.messageId, a.id]));
    const handoffsOf = new Map<string, bigint[]>();
    for (const h of handoffs) handoffsOf.set(h.messageId, [...(handoffsOf.get(h.messageId) ?? []), h.id]);
    return {
      now,
      offset,
      messages: claimed.map(({ message, chunks }) => ({
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
        chunks: chunks.map((recipients, i) => ({ recipients, handoffId: handoffsOf.get(message.id)?.[i] ?? null })),
      })),
    };
  });
}

type Result =
  | { kind: "sent"; message: ClaimedMessage; response: string; finishedAt: number; ms: number }
  | { kind: "failed"; message: ClaimedMessage; outcome: DeliveryErrorOutcome; error: string; command?: string; finishedAt: number; sentChunks: number }
  | { kind: "unsent"; message: ClaimedMessage };

type SendResults = { results: Result[]; stopped: boolean };

/** What a failure means for the server as a whole: wait, stop, or nothing (only this message). */
function serverEffect(outcome: DeliveryErrorOutcome, command: string | undefined): "throttle" | "pause" | "connection" | "none" {
  if (outcome.classification === "throttled") return "throttle";
  if (outcome.classification === "auth") return "pause";
  if (outcome.classification === "config") {
    // Send As and similar refusals at MAIL FROM concern one sender, not the server.
    const senderLevel = (outcome.explanation !== undefined && SENDER_LEVEL.has(outcome.explanation.id)) || command === "MAIL FROM";
    return senderLevel ? "none" : "pause";
  }
  if (outcome.responseCode === undefined && outcome.status === "transient") return "connection";
  return "none";
}

/**
 * nodemailer's pool gives up on a reused connection that the server answered with a temporary
 * error (e.g. a throttle reply) before a byte of the message was read: it closes the connection
 * and, with maxRequeues 0, fails the message as "Reached maximum number of retries…", losing the
 * server's reply. Nothing was handed over, so one more try on a fresh connection is safe, and it
 * gets the real answer to classify, explain and learn from.
 */
const POOL_GAVE_UP_UNSENT = /Reached maximum number of retries after connection was closed/;

async function sendMailOnce(transporter: Transporter, options: Parameters<Transporter["sendMail"]>[0]) {
  try {
    return await transporter.sendMail(options);
  } catch (error) {
    if (!(error instanceof Error) || !POOL_GAVE_UP_UNSENT.test(error.message)) throw error;
    return transporter.sendMail(options);
  }
}

async function sendClaimed(server: ServerRow, messages: ClaimedMessage[]): Promise<SendResults> {
  const results: Result[] = messages.map((message) => ({ kind: "unsent", message }));
  let transporter: Transporter;
  try {
    transporter = await transportFor(server, { allowPrivate: allowPrivateSmtpHosts() });
  } catch (error) {
    const outcome = deliveryErrorOutcome(error);
    results[0] = { kind: "failed", message: messages[0]!, outcome, error: error instanceof HostRefusedError ? error.message : String(error), finishedAt: Date.now(), sentChunks: 0 };
    return { results, stopped: true };
  }
  let stopped = false;
  let next = 0;
  // Up to maxConnections hand-overs at once; with one connection, strictly one after another.
  const lane = async () => {
    while (!stopped && next < messages.length) {
      const index = next++;
      const message = messages[index]!;
      const started = Date.now();
      let sentChunks = 0;
      let response = "";
      try {
        for (const chunk of message.chunks) {
          const info = await sendMailOnce(transporter, {
            from: { name: message.fromName, address: message.fromAddress },
            to: message.to,
            cc: message.cc.length ? message.cc : undefined,
            replyTo: message.replyTo ?? undefined,
            subject: message.subject,
            text: message.text ?? undefined,
            html: message.html ?? undefined,
            messageId: message.messageIdHeader,
            envelope: { from: message.fromAddress, to: chunk.recipients },
            disableFileAccess: true,
            disableUrlAccess: true,
          });
          response = info.response ?? "250 OK";
          sentChunks++;
        }
        results[index] = { kind: "sent", message, response, finishedAt: Date.now(), ms: Date.now() - started };
      } catch (error) {
        const outcome = deliveryErrorOutcome(error);
        const command = (error as { command?: string }).command;
        results[index] = { kind: "failed", message, outcome, error: error instanceof Error ? error.message : String(error), command, finishedAt: Date.now(), sentChunks };
        if (serverEffect(outcome, command) !== "none") stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, server.maxConnections) }, lane));
  return { results, stopped };
}

/**
 * An answer lost mid-session may mean the server already has the message (RFC 5321 §4.5.3.2.6):
 * a re-send could duplicate it. nodemailer does not tell how far a dropped session got, so every
 * lost answer counts as possibly delivered, except failures that happen before any session
 * (refused, unresolvable, TLS) — over-marking is safe, under-marking is not.
 */
function ambiguous(result: Extract<Result, { kind: "failed" }>): boolean {
  if (result.outcome.responseCode !== undefined) return false;
  // Signing in (or fetching its OAuth2 token) comes before MAIL FROM: nothing was handed over.
  // (A dropped connection reports "CONN" at any stage, so only these commands are certain.)
  if (/^(AUTH|TOKEN)\b/i.test(result.command ?? "") || result.outcome.explanation?.id.startsWith("oauth-")) return false;
  // nodemailer's pool gave up on a reused connection before reading a byte (see sendMailOnce).
  if (POOL_GAVE_UP_UNSENT.test(result.error)) return false;
  return !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTREFUSED|EHOSTUNREACH|ENETUNREACH|ETLS|Greeting never received|certificate/i.test(result.error);
}

async function recordResults(prisma: Db, server: ServerRow, claim: Claim, { results }: SendResults): Promise<number> {
  const at = (jsTime: number) => new Date(jsTime + claim.offset);
  const sent = results.filter((r): r is Extract<Result, { kind: "sent" }> => r.kind === "sent");
  const unsent = results.filter((r) => r.kind === "unsent").map((r) => r.message);
  const failed = results.filter((r): r is Extract<Result, { kind: "failed" }> => r.kind === "failed");
  const base = config().RETRY_BASE_SECONDS;
  // A server without limits keeps no hand-over log: its chunks carry no handoffId.
  const handoffIdsOf = (chunks: ClaimedMessage["chunks"]) => chunks.flatMap((c) => (c.handoffId === null ? [] : [c.handoffId]));

  await prisma.$transaction(async (tx) => {
    if (sent.length) {
      const counted = sent.flatMap((r) => r.message.chunks.filter((c) => c.handoffId !== null).map((c) => ({ id: c.handoffId!, at: at(r.finishedAt) })));
      if (counted.length) {
        await tx.$executeRaw`
          UPDATE "ServerHandoff" h SET "countsUntil" = v.t
          FROM unnest(${counted.map((c) => c.id)}::bigint[], ${counted.map((c) => c.at)}::timestamptz[]) AS v(id, t) WHERE h.id = v.id`;
      }
      const ids = sent.map((r) => r.message.id);
      const times = sent.map((r) => at(r.finishedAt));
      const responses = sent.map((r) => r.response);
      await tx.$executeRaw`
        UPDATE "OutboundMessage" m SET status = 'SENT', "sentAt" = v.t, "lastResponse" = v.r, "lastResponseCode" = 250,
          "lastError" = NULL, "nextAttemptAt" = NULL, "updatedAt" = clock_timestamp()
        FROM unnest(${ids}::uuid[], ${times}::timestamptz[], ${responses}::text[]) AS v(id, t, r) WHERE m.id = v.id`;
      const attemptIds = sent.map((r) => r.message.attemptId);
      await tx.$executeRaw`
        UPDATE "DeliveryAttempt" a SET "finishedAt" = v.t, outcome = 'SENT', "responseCode" = 250, response = v.r,
          error = CASE WHEN v.dup THEN 'Mogelijk dubbel: een eerdere overdracht werd onderbroken' ELSE NULL END
        FROM unnest(${attemptIds}::bigint[], ${times}::timestamptz[], ${responses}::text[], ${sent.map((r) => r.message.possibleDuplicate)}::boolean[]) AS v(id, t, r, dup)
        WHERE a.id = v.id`;
    }
    if (unsent.length) {
      // Claimed but never started (the server said stop): as if never claimed.
      const unsentHandoffs = unsent.flatMap((m) => handoffIdsOf(m.chunks));
      if (unsentHandoffs.length) await tx.serverHandoff.deleteMany({ where: { id: { in: unsentHandoffs } } });
      await tx.deliveryAttempt.deleteMany({ where: { id: { in: unsent.map((m) => m.attemptId) } } });
      await tx.$executeRaw`
        UPDATE "OutboundMessage" SET status = CASE WHEN "nextAttemptAt" IS NULL THEN 'QUEUED'::"MessageStatus" ELSE 'DEFERRED'::"MessageStatus" END,
          "attemptCount" = "attemptCount" - 1 WHERE id = ANY(${unsent.map((m) => m.id)}::uuid[])`;
    }
    for (const result of failed) {
      const { message, outcome } = result;
      const finishedAt = at(result.finishedAt);
      const effect = serverEffect(outcome, result.command);
      // Chunks the server never took part in do not count; the ones it did still do.
      const untouched = handoffIdsOf(message.chunks.slice(result.sentChunks + (outcome.responseCode === undefined ? 1 : 0)));
      if (untouched.length && effect !== "none" && outcome.responseCode !== undefined) {
        await tx.serverHandoff.deleteMany({ where: { id: { in: untouched } } });
      }
      const handoffs = handoffIdsOf(message.chunks);
      if (handoffs.length) await tx.serverHandoff.updateMany({ where: { id: { in: handoffs } }, data: { countsUntil: finishedAt } });
      await tx.deliveryAttempt.update({
        where: { id: message.attemptId },
        data: {
          finishedAt,
          outcome: effect === "throttle" ? "DEFERRED" : effect === "none" && (outcome.status === "permanent" || outcome.classification === "config") ? "FAILED" : "RETRY",
          responseCode: outcome.responseCode ?? null,
          response: outcome.response ?? null,
          error: result.error.slice(0, 2000),
          explanationId: outcome.explanation?.id ?? null,
        },
      });
      const duplicateRisk = ambiguous(result);
      // A refusal that concerns this sender only (Send As): final for this message, the server goes on.
      const permanent = outcome.status === "permanent" || (effect === "none" && (outcome.classification === "config" || outcome.classification === "auth"));
      if (effect === "pause") {
        await tx.mailServer.update({ where: { id: server.id }, data: { pausedAt: finishedAt, pausedReason: outcome.explanation?.id ?? outcome.response ?? result.error.slice(0, 500) } });
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: { status: "QUEUED", lastResponseCode: outcome.responseCode ?? null, lastResponse: outcome.response ?? null, lastError: result.error.slice(0, 2000) },
        });
      } else if (effect === "throttle" || effect === "connection") {
        // The whole server waits and this message stays at the head: FIFO holds.
        const wait = backoffMs(message.attemptCount, base, 3600);
        const until = new Date(finishedAt.getTime() + wait);
        const reason = effect === "throttle" ? `server: ${outcome.response ?? result.error}`.slice(0, 300) : `verbinding: ${result.error}`.slice(0, 300);
        await tx.mailServer.update({ where: { id: server.id }, data: { deferredUntil: until, deferredReason: reason } });
        if (effect === "throttle") {
          await tx.limitHit.create({ data: { serverId: server.id, reason: "THROTTLE_REPLY", at: finishedAt } });
          await recordObservedCeiling(tx, server, {
            at: finishedAt,
            reply: outcome.response ?? result.error,
            hint: outcome.explanation ? ceilingHintById(outcome.explanation.id) : undefined,
          });
        }
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: {
            status: "DEFERRED",
            nextAttemptAt: until,
            deferredSince: effect === "throttle" ? finishedAt : undefined,
            deferredReason: effect === "throttle" ? "THROTTLE_REPLY" : undefined,
            possibleDuplicate: duplicateRisk || undefined,
            lastResponseCode: outcome.responseCode ?? null,
            lastResponse: outcome.response ?? null,
            lastError: result.error.slice(0, 2000),
          },
        });
      } else if (permanent) {
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: { status: "FAILED", nextAttemptAt: null, lastResponseCode: outcome.responseCode ?? null, lastResponse: outcome.response ?? null, lastError: result.error.slice(0, 2000) },
        });
      } else {
        const nextAttemptAt = new Date(finishedAt.getTime() + backoffMs(message.attemptCount, base, 3600));
        await tx.outboundMessage.update({
          where: { id: message.id },
          data: {
            status: "RETRYING",
            nextAttemptAt,
            possibleDuplicate: duplicateRisk || undefined,
            lastResponseCode: outcome.responseCode ?? null,
            lastResponse: outcome.response ?? null,
            lastError: result.error.slice(0, 2000),
          },
        });
      }
    }
  });
  return sent.length;
}
