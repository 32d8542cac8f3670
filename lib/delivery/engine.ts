import type { Transporter } from "nodemailer";
import { allowPrivateSmtpHosts } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import { HostRefusedError } from "@/lib/mailservers/host-guard.ts";
import { logger } from "@/lib/log/logger.ts";
import { deliveryErrorOutcome } from "@/lib/smtp/outcome.ts";
import {
  claimBatch,
  giveBack,
  loadServer,
  recoverInterrupted,
  releaseLease,
  renewLease,
  takeLease,
  type Claim,
  type ClaimedMessage,
  type ServerRow,
} from "./claim.ts";
import { handOver, stopsTheBatch } from "./handover.ts";
import { createRecorder, type Recorded } from "./record.ts";
import { transportFor } from "./transport-pool.ts";

/**
 * The delivery engine for customers' servers: FIFO per server, no configured limit ever
 * exceeded, also with several worker processes, every recipient exactly once.
 *
 * One drainer per server at a time (a lease on the server row, across processes; claim.ts). The
 * drainer claims the next messages in submission order under the limits, hands them to the
 * server over its pooled transport (handover.ts), one lane per pooled connection, and records
 * each hand-over as its answer comes in, before that lane starts the next (record.ts). When a
 * window is full the head message is deferred to the exact moment it frees, the server waits
 * with it, and nothing behind it overtakes it; a wait of a few seconds is slept here, so the
 * next hand-over starts the moment the window allows it.
 */
export type DrainResult = { busy: boolean; sent: number; wakeAt: Date | null };

/**
 * Waits up to this long are slept in the drainer rather than scheduled as a job: a job's start
 * is up to a polling interval late, which at "1 per second" costs a third of the throughput.
 */
export const IN_PROCESS_WAIT_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function drainServer(prisma: Db, serverId: string, options: { workerId: string; batchSize?: number; maxMs?: number }): Promise<DrainResult> {
  // 500 per claim: measured 924 against 559 msg/s with 100 (docs/benchmarks.md); claims cost per
  // batch, not per message.
  const batchSize = options.batchSize ?? 500;
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  const holder = options.workerId;
  let sent = 0;
  for (;;) {
    const lease = await takeLease(prisma, serverId, holder);
    if (!lease.leased) {
      const waitMs = lease.deferredUntil ? lease.deferredUntil.getTime() - Date.now() : Number.POSITIVE_INFINITY;
      if (waitMs <= IN_PROCESS_WAIT_MS && Date.now() + waitMs < deadline) {
        await sleep(Math.max(0, waitMs));
        continue;
      }
      return lease.deferredUntil ? { busy: false, sent, wakeAt: lease.deferredUntil } : { busy: true, sent, wakeAt: null };
    }
    try {
      const server = await loadServer(prisma, serverId);
      if (server) {
        await recoverInterrupted(prisma, server);
        sent += await drainLeased(prisma, server, { holder, batchSize, deadline });
      }
    } finally {
      await releaseLease(prisma, serverId, holder);
    }
    // Released first, then looked again: a message committed while we held the lease (whose own
    // job saw the lease taken) is picked up here, and one committed later finds the lease free.
    const next = await nextWake(prisma, serverId);
    if (!next) return { busy: false, sent, wakeAt: null };
    const waitMs = next.getTime() - Date.now();
    if (waitMs <= IN_PROCESS_WAIT_MS && Date.now() + Math.max(0, waitMs) < deadline) {
      if (waitMs > 0) await sleep(waitMs);
      continue;
    }
    return { busy: false, sent, wakeAt: waitMs <= 0 ? new Date() : next };
  }
}

const FIRST_CLAIM = 50;

/** Claims and sends batch after batch while the lease is ours; returns how many messages were sent. */
async function drainLeased(prisma: Db, first: ServerRow, options: { holder: string; batchSize: number; deadline: number }): Promise<number> {
  let sent = 0;
  let server: ServerRow | null = first;
  // A small first claim gets mail moving at once when many drains start together (a worker that
  // wakes twenty servers claims twenty batches at the same moment); the next ones are full.
  const firstClaim = Math.min(FIRST_CLAIM, options.batchSize);
  let claim: Claim | null = !server.pausedAt && Date.now() < options.deadline ? await claimBatch(prisma, server, firstClaim) : null;
  while (server && claim && claim.messages.length > 0) {
    logger.debug("drain batch", { serverId: server.id, claimed: claim.messages.length });
    // Without limits there is nothing to count, so the next batch is claimed (in seq order, after
    // this one) while this one is on the wire; it goes out only after this one finished, so order
    // holds. Under limits every claim must see the previous batch's real hand-over times.
    const pipelined: boolean = server.limits.length === 0;
    const current: ServerRow = server;
    const [sendOutcome, nextOutcome, reloadOutcome]: [
      PromiseSettledResult<SendOutcome>,
      PromiseSettledResult<Claim | null>,
      PromiseSettledResult<ServerRow | null>,
    ] = await Promise.allSettled([
      sendClaimed(prisma, current, claim),
      pipelined && Date.now() < options.deadline ? claimBatch(prisma, current, options.batchSize) : Promise.resolve(null),
      pipelined ? loadServer(prisma, current.id) : Promise.resolve(null),
    ]);
    let next = nextOutcome.status === "fulfilled" ? nextOutcome.value : null;
    const reloaded: ServerRow | null = reloadOutcome.status === "fulfilled" ? reloadOutcome.value : null;
    if (sendOutcome.status === "rejected" || nextOutcome.status === "rejected" || reloadOutcome.status === "rejected") {
      if (next) await giveBack(prisma, next.messages).catch(() => undefined);
      throw sendOutcome.status === "rejected"
        ? sendOutcome.reason
        : nextOutcome.status === "rejected"
          ? nextOutcome.reason
          : (reloadOutcome as PromiseRejectedResult).reason;
    }
    const result = sendOutcome.value;
    sent += result.sent;
    await giveBack(prisma, result.untouched);
    // Claimed ahead, but the server said stop, or was paused or given limits meanwhile: as if never claimed.
    if (next && (result.stopped || !reloaded || reloaded.pausedAt || reloaded.limits.length > 0)) {
      await giveBack(prisma, next.messages);
      next = null;
    }
    if (result.stopped) break;
    await renewLease(prisma, server.id, options.holder);
    if (next) {
      server = reloaded;
      claim = next;
    } else {
      if (Date.now() >= options.deadline) break;
      server = await loadServer(prisma, server.id);
      claim = server && !server.pausedAt ? await claimBatch(prisma, server, options.batchSize) : null;
    }
  }
  return sent;
}

type SendOutcome = { sent: number; stopped: boolean; untouched: ClaimedMessage[] };

/**
 * Hands a claimed batch to the server: up to maxConnections lanes, each taking the next message in
 * order. A lane records each hand-over while it already sends the next message, but holds back
 * that message's final "." until the record (which marks the next one as released) is committed:
 * at any moment at most one transaction per lane is delivered and unrecorded, and the database
 * knows which. A lane that meets a wait or a stop stops the batch; what no lane took is returned
 * untouched.
 */
async function sendClaimed(prisma: Db, server: ServerRow, claim: Claim): Promise<SendOutcome> {
  const { messages } = claim;
  const recorder = createRecorder(prisma, server, claim.offset);
  let transporter: Transporter;
  try {
    transporter = await transportFor(server, { allowPrivate: allowPrivateSmtpHosts() });
  } catch (error) {
    // Nothing was sent: the head records why (host refused, token endpoint, …), the rest goes back.
    const head = messages[0]!;
    const failure = { outcome: deliveryErrorOutcome(error), error: error instanceof HostRefusedError ? error.message : String(error) };
    const handoffId = head.chunks[0]?.handoffId ?? null;
    await recorder.record(
      { message: head, startedAt: Date.now(), transactions: [{ handoffId, recipients: [], finishedAt: Date.now(), accepted: [], refused: [], failure }] },
      null,
    );
    return { sent: 0, stopped: true, untouched: messages.slice(1) };
  }
  let stopped = false;
  let next = 0;
  let sent = 0;
  const take = () => (!stopped && next < messages.length ? messages[next++]! : null);
  const lane = async () => {
    let message = take();
    if (message) await recorder.release(message.attemptId);
    // The previous hand-over's record: this message's end waits for it (handover.ts HoldEnd).
    let recorded: Promise<Recorded> | undefined;
    while (message) {
      const current: ClaimedMessage = message;
      const handover = await handOver(transporter, current, {
        afterTransaction: (transaction) => recorder.progress(current, transaction),
        holdEndUntil: recorded,
      });
      if (recorded && (await recorded).sent) sent++;
      if (stopsTheBatch(handover)) stopped = true;
      message = take();
      recorded = recorder.record(handover, message?.attemptId ?? null);
      recorded.catch(() => undefined); // awaited on the next round or below
    }
    if (recorded && (await recorded).sent) sent++;
  };
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.max(1, server.maxConnections) }, () =>
      lane().catch((error: unknown) => {
        stopped = true; // the other lanes finish what they hold, then the drain fails
        throw error;
      }),
    ),
  );
  const failedLane = lanes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failedLane) throw failedLane.reason;
  return { sent, stopped, untouched: messages.slice(next) };
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
