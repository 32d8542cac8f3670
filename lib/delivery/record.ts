import { config } from "@/lib/config.ts";
import { processMetrics } from "@/lib/metrics/registry.ts";
import { outcomeWriter, type Db, type Tx } from "@/lib/db/client.ts";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { ceilingHintById, isRateReply } from "@/lib/smtp/replies.ts";
import { limitsOf, type ClaimedMessage, type ServerRow } from "./claim.ts";
import { clip, failureEffect, possiblyDelivered, type DeliveryErrorOutcome, type TransactionFailure } from "@/lib/smtp/outcome.ts";
import { serverEffectOf, type Handover, type TransactionResult } from "./handover.ts";
import { backoffMs, checkLimits, isBoundaryEffect, nextWindowMargin, RETRY_MAX_SECONDS, windowMs, type Entry } from "./limiter.ts";
import { recordObservedCeiling, recordObservedRecipientCap } from "./observed-limits.ts";
import { deliveryNote } from "./notes.ts";
import { finalStatus, pendingRecipients, summarizeRecipients, type RecipientOutcome, type RecipientOutcomes } from "./recipients.ts";

/**
 * Recording what a server answered, message by message as the answers come in: a lane records a
 * hand-over before it starts the next, so after a crash only what was on the wire is in doubt.
 * Plain successes (one transaction, every recipient taken) are written together in one statement
 * when several lanes finish at once; everything else is decided here in one transaction: which
 * recipients are done, what waits, what the server must do (wait, pause), what was learned.
 */

/** Whether the hand-over left its message SENT (the lane decides from the hand-over itself whether the batch stops). */
export type Recorded = { sent: boolean };

export type Recorder = {
  /**
   * Records a hand-over and, in the same commit, marks the lane's next message as released
   * (`release`, its attempt id): its end may go to the server once this has committed.
   */
  record(handover: Handover, release: bigint | null): Promise<Recorded>;
  /** Marks a lane's first message as released before it starts. */
  release(attemptId: bigint): Promise<void>;
  progress(message: ClaimedMessage, transaction: TransactionResult): Promise<void>;
};

const DUPLICATE_NOTE = deliveryNote.possibleDuplicate();

function isPlainSuccess({ message, transactions }: Handover): boolean {
  const [only] = transactions;
  return transactions.length === 1 && message.chunks.length === 1 && !only!.failure && only!.refused.length === 0 && Object.keys(message.outcomes).length === 0;
}

type Pending = { handover: Handover; release: bigint | null; resolve: (recorded: Recorded) => void; reject: (error: unknown) => void };

export function createRecorder(prisma: Db, server: ServerRow, offset: number): Recorder {
  const at = (jsTime: number) => new Date(jsTime + offset);
  let queue: Pending[] = [];
  let flushing = false;

  async function flush() {
    flushing = true;
    try {
      while (queue.length) {
        const items = queue;
        queue = [];
        const plain = items.filter((item) => isPlainSuccess(item.handover));
        if (plain.length) {
          await recordPlainSuccesses(prisma, plain, at).then(
            () => plain.forEach((item) => item.resolve({ sent: true })),
            (error: unknown) => plain.forEach((item) => item.reject(error)),
          );
        }
        for (const item of items) {
          if (plain.includes(item)) continue;
          await recordHandover(prisma, server, item, at).then(item.resolve, item.reject);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    record(handover, release) {
      const recorded = new Promise<Recorded>((resolve, reject) => {
        queue.push({ handover, release, resolve, reject });
        if (!flushing) void flush();
      });
      // This worker's hand-over latency histogram (lib/metrics/registry.ts): from the first command to the last answer.
      const seconds = ((handover.transactions.at(-1)?.finishedAt ?? handover.startedAt) - handover.startedAt) / 1000;
      return recorded.then((result) => (processMetrics().handoverDuration.observe({ outcome: result.sent ? "sent" : "not_sent" }, seconds), result));
    },
    release: async (attemptId) => {
      await outcomeWriter(prisma).query(`UPDATE "DeliveryAttempt" SET "handedOverAt" = clock_timestamp() WHERE id = $1`, [attemptId.toString()]);
    },
    progress: (message, transaction) => recordProgress(prisma, message, transaction, at),
  };
}

/** One statement for every plain success that finished meanwhile: message, attempt, hand-over. */
async function recordPlainSuccesses(prisma: Db, items: { handover: Handover; release: bigint | null }[], at: (t: number) => Date): Promise<void> {
  const handovers = items.map((item) => item.handover);
  const times = handovers.map((h) => at(h.transactions[0]!.finishedAt));
  const counted = handovers.flatMap((h, i) => (h.transactions[0]!.handoffId === null ? [] : [{ id: h.transactions[0]!.handoffId, at: times[i]! }]));
  // Named: prepared once per connection, parsed and planned once.
  await outcomeWriter(prisma).query({
    name: "postkamer-plain-successes",
    text: PLAIN_SUCCESSES,
    values: [
      handovers.map((h) => h.message.id),
      handovers.map((h) => h.message.attemptId.toString()),
      times,
      handovers.map((h) => clip(h.transactions[0]!.response ?? "250 OK")),
      handovers.map((h) => h.message.possibleDuplicate),
      DUPLICATE_NOTE,
      counted.map((c) => c.id.toString()),
      counted.map((c) => c.at),
      items.flatMap((item) => (item.release === null ? [] : [item.release.toString()])),
    ],
  });
}

const PLAIN_SUCCESSES = `
  WITH v AS (
    SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::boolean[]) AS v(id, attempt, t, r, dup)
  ), m AS (
    UPDATE "OutboundMessage" m SET status = 'SENT', "sentAt" = v.t, "lastResponse" = v.r, "lastResponseCode" = 250,
      "lastError" = NULL, "nextAttemptAt" = NULL, "updatedAt" = clock_timestamp()
    FROM v WHERE m.id = v.id
  ), a AS (
    UPDATE "DeliveryAttempt" a SET "finishedAt" = v.t, outcome = 'SENT', "responseCode" = 250, response = v.r,
      error = CASE WHEN v.dup THEN $6 ELSE NULL END
    FROM v WHERE a.id = v.attempt
  ), released AS (
    UPDATE "DeliveryAttempt" SET "handedOverAt" = clock_timestamp() WHERE id = ANY($9::bigint[])
  )
  UPDATE "ServerHandoff" h SET "countsUntil" = x.t
  FROM unnest($7::bigint[], $8::timestamptz[]) AS x(id, t) WHERE h.id = x.id`;

function outcomesOf(transaction: TransactionResult, iso: string): RecipientOutcomes {
  const outcomes: RecipientOutcomes = {};
  for (const address of transaction.accepted) {
    outcomes[address] = { state: "DELIVERED", code: 250, ...(transaction.response ? { reply: clip(transaction.response) } : {}), at: iso };
  }
  for (const refusal of transaction.refused) {
    const outcome: RecipientOutcome = { state: refusal.kind === "fail" ? "FAILED" : "WAITING", at: iso };
    if (refusal.outcome.responseCode !== undefined) outcome.code = refusal.outcome.responseCode;
    if (refusal.outcome.response) outcome.reply = refusal.outcome.response;
    outcomes[refusal.address] = outcome;
  }
  return outcomes;
}

/** After one transaction of a split message, before the next starts: what it settled, and its hand-over's real time. */
async function recordProgress(prisma: Db, message: ClaimedMessage, transaction: TransactionResult, at: (t: number) => Date): Promise<void> {
  const finished = at(transaction.finishedAt);
  const patch = JSON.stringify(outcomesOf(transaction, finished.toISOString()));
  const handoff = transaction.handoffId ?? -1n;
  await prisma.$executeRaw`
    WITH h AS (
      UPDATE "ServerHandoff" SET "countsUntil" = ${finished}, recipients = ${transaction.accepted.length} WHERE id = ${handoff}
    )
    UPDATE "OutboundMessage" SET "recipientOutcomes" = coalesce("recipientOutcomes", '{}'::jsonb) || ${patch}::jsonb, "updatedAt" = clock_timestamp()
    WHERE id = ${message.id}::uuid`;
}

/**
 * Everything that is not a plain success. Recipients the server took stay taken (never sent
 * again); refused ones fail alone or wait; the message ends only when no recipient waits.
 */
async function recordHandover(prisma: Db, server: ServerRow, item: { handover: Handover; release: bigint | null }, at: (t: number) => Date): Promise<Recorded> {
  const { handover, release } = item;
  const { message } = handover;
  const lastTransaction = handover.transactions.at(-1);
  const finishedAt = at(lastTransaction?.finishedAt ?? handover.startedAt);
  const { effect, outcome: effectOutcome, error: effectError } = serverEffectOf(handover);
  const outcomes: RecipientOutcomes = { ...message.outcomes };
  let retry = false;
  let overflowAfter: number | undefined;
  let duplicateRisk = false;
  let permanent: TransactionFailure | undefined;
  let last: { code?: number; response?: string; error?: string; explanationId?: string } = {};
  const counted: { id: bigint; at: Date; recipients: number }[] = [];
  const dropped: bigint[] = [];

  for (const transaction of handover.transactions) {
    Object.assign(outcomes, outcomesOf(transaction, at(transaction.finishedAt).toISOString()));
    if (transaction.accepted.length) last = { code: 250, response: transaction.response };
    for (const refusal of transaction.refused) {
      if (refusal.kind === "retry") retry = true;
      last = { code: refusal.outcome.responseCode, response: refusal.outcome.response, explanationId: refusal.outcome.explanation?.id };
    }
    if (transaction.refused.some((r) => r.kind === "overflow")) overflowAfter = transaction.accepted.length;
    const { failure } = transaction;
    if (failure) {
      last = { code: failure.outcome.responseCode, response: failure.outcome.response, error: failure.error, explanationId: failure.outcome.explanation?.id };
      if (failureEffect(failure) === "none") {
        const final = failure.outcome.status === "permanent" || failure.outcome.classification === "config" || failure.outcome.classification === "auth";
        if (final) permanent = failure;
        else retry = true;
      }
      // No recipients: the transaction never started (the transport could not be built).
      if (transaction.recipients.length > 0 && possiblyDelivered(failure)) duplicateRisk = true;
    }
    if (transaction.handoffId !== null) {
      // A transaction the server refused with a reply and nothing taken did not reach it: when the
      // server must wait or stop it does not count (what remains is what the server accepted, which
      // the observed ceiling reads). A lost answer may have arrived: it counts, in full.
      const answered = !failure || failure.outcome.responseCode !== undefined || transaction.recipients.length === 0;
      if (answered && transaction.accepted.length === 0 && effect !== "none") dropped.push(transaction.handoffId);
      else
        counted.push({
          id: transaction.handoffId,
          at: at(transaction.finishedAt),
          recipients: answered ? transaction.accepted.length : transaction.recipients.length,
        });
    }
  }
  // Transactions never started (the message stopped early) were not handed over.
  for (const chunk of message.chunks.slice(handover.transactions.length)) if (chunk.handoffId !== null) dropped.push(chunk.handoffId);

  if (permanent) {
    const iso = finishedAt.toISOString();
    for (const address of pendingRecipients(message, outcomes)) {
      outcomes[address] = {
        state: "FAILED",
        at: iso,
        ...(permanent.outcome.responseCode !== undefined ? { code: permanent.outcome.responseCode } : {}),
        ...(permanent.outcome.response ? { reply: permanent.outcome.response } : {}),
      };
    }
  }
  const pending = pendingRecipients(message, outcomes);
  const base = config().RETRY_BASE_SECONDS;

  return prisma.$transaction(async (tx) => {
    if (dropped.length) await tx.serverHandoff.deleteMany({ where: { id: { in: dropped } } });
    for (const entry of counted) {
      await tx.serverHandoff.update({ where: { id: entry.id }, data: { countsUntil: entry.at, recipients: entry.recipients } });
    }

    let status: MessageStatus;
    let nextAttemptAt: Date | null = null;
    if (pending.length === 0) status = finalStatus(summarizeRecipients({ ...message, status: "SENDING", recipientOutcomes: outcomes }));
    else if (effect === "pause") status = "QUEUED";
    else if (effect === "throttle" || effect === "connection") status = "DEFERRED";
    else if (retry) {
      status = "RETRYING";
      nextAttemptAt = new Date(finishedAt.getTime() + backoffMs(message.attemptCount, base, RETRY_MAX_SECONDS));
    } else status = "QUEUED"; // the server's per-message cap: the rest goes in the next claim, now

    if (effect === "pause") {
      const wasRunning = await tx.mailServer.count({ where: { id: server.id, pausedAt: null } });
      await tx.mailServer.update({
        where: { id: server.id },
        data: { pausedAt: finishedAt, pausedReason: effectOutcome?.explanation?.id ?? effectOutcome?.response ?? (effectError ?? "").slice(0, 500) },
      });
      // The pause on the server page's time axis (lib/stats/data.ts PAUSED): once per pause.
      if (wasRunning) await tx.limitHit.create({ data: { serverId: server.id, reason: "PAUSED", at: finishedAt } });
    } else if (effect === "throttle" || effect === "connection") {
      const until = await serverWait(
        tx,
        server,
        handover,
        { effect, outcome: effectOutcome, error: effectError },
        { startedAt: at(handover.startedAt), finishedAt },
      );
      if (status === "DEFERRED") nextAttemptAt = until;
    }
    if (overflowAfter !== undefined) await recordObservedRecipientCap(tx, server, { at: finishedAt, observed: overflowAfter, reply: last.response ?? "" });

    const finalState = status === "SENT" || status === "PARTIALLY_SENT" || status === "FAILED";
    await tx.deliveryAttempt.update({
      where: { id: message.attemptId },
      data: {
        finishedAt,
        outcome: finalState ? (status === "SENT" ? "SENT" : "FAILED") : effect === "throttle" ? "DEFERRED" : "RETRY",
        responseCode: last.code ?? null,
        response: last.response ? clip(last.response) : null,
        error: last.error ? last.error.slice(0, 2000) : status === "SENT" && message.possibleDuplicate ? DUPLICATE_NOTE : null,
        explanationId: last.explanationId ?? null,
      },
    });
    await tx.outboundMessage.update({
      where: { id: message.id },
      data: {
        status,
        nextAttemptAt,
        ...(status === "SENT" || status === "PARTIALLY_SENT" ? { sentAt: finishedAt } : {}),
        ...(effect === "throttle" && status === "DEFERRED" ? { deferredSince: finishedAt, deferredReason: "THROTTLE_REPLY" } : {}),
        ...(duplicateRisk ? { possibleDuplicate: true } : {}),
        ...(Object.keys(outcomes).length ? { recipientOutcomes: outcomes } : {}),
        lastResponseCode: last.code ?? null,
        lastResponse: last.response ? clip(last.response) : null,
        lastError: last.error ? last.error.slice(0, 2000) : null,
      },
    });
    if (release !== null) await tx.deliveryAttempt.update({ where: { id: release }, data: { handedOverAt: new Date() } });
    return { sent: status === "SENT" };
  });
}

/**
 * How long the server waits after a throttle reply or a connection failure, FIFO kept. A throttle
 * reply at the edge of a full window is the provider's fixed window ending a little after ours
 * (limiter.ts isBoundaryEffect): the server learns a margin and waits just past the window, and
 * nothing is learned about its ceiling. Any other rate reply is an observation of the ceiling.
 */
async function serverWait(
  tx: Tx,
  server: ServerRow,
  handover: Handover,
  cause: { effect: "throttle" | "connection"; outcome?: DeliveryErrorOutcome; error?: string },
  times: { startedAt: Date; finishedAt: Date },
): Promise<Date> {
  const { effect, outcome, error } = cause;
  const finishedAt = times.finishedAt.getTime();
  const reply = outcome?.response ?? error ?? "";
  const backoff = () => new Date(finishedAt + backoffMs(handover.message.attemptCount, config().RETRY_BASE_SECONDS, RETRY_MAX_SECONDS));
  let until: Date;
  let reason: string;
  if (effect === "connection") {
    until = backoff();
    reason = `verbinding: ${error ?? reply}`.slice(0, 300);
  } else {
    const limits = limitsOf(server);
    const entries = await handoffEntries(tx, server, finishedAt - Math.max(0, ...limits.map(windowMs)) - 60_000);
    const refused = handover.transactions.at(-1)!;
    const need = { transactions: 1, recipients: refused.recipients.length };
    // Checked at the moment the limiter let the hand-over start, with one boundary margin more.
    const boundary = isBoundaryEffect(limits, entries, need, times.startedAt.getTime(), server.windowMarginMs + nextWindowMargin(0));
    if (boundary) {
      const margin = nextWindowMargin(server.windowMarginMs);
      const verdict = checkLimits(limits, entries, need, finishedAt, margin);
      until = new Date(verdict.fits ? finishedAt + margin : verdict.freeAt);
      await tx.mailServer.update({ where: { id: server.id }, data: { windowMarginMs: margin } });
      reason = `server: ${reply}`.slice(0, 300); // a throttle reply all the same, explained from the catalogue
    } else {
      until = backoff();
      reason = `server: ${reply}`.slice(0, 300);
      await tx.limitHit.create({ data: { serverId: server.id, reason: "THROTTLE_REPLY", at: times.finishedAt } });
      if (isRateReply(outcome?.explanation?.id)) {
        await recordObservedCeiling(tx, server, {
          at: times.finishedAt,
          reply,
          hint: outcome?.explanation ? ceilingHintById(outcome.explanation.id) : undefined,
        });
      }
    }
  }
  await tx.mailServer.update({ where: { id: server.id }, data: { deferredUntil: until, deferredReason: reason } });
  return until;
}

async function handoffEntries(tx: Tx, server: ServerRow, since: number): Promise<Entry[]> {
  const rows = await tx.serverHandoff.findMany({
    where: { serverId: server.id, countsUntil: { gt: new Date(since) } },
    select: { countsUntil: true, recipients: true },
  });
  return rows.map((r) => ({ countsUntil: r.countsUntil.getTime(), recipients: r.recipients }));
}
