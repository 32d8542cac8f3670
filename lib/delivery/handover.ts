import { Transform, type TransformCallback } from "node:stream";
import type { SentMessageInfo, Transporter } from "nodemailer";
import {
  deliveryErrorOutcome,
  failureEffect,
  POOL_GAVE_UP_UNSENT,
  refusalKind,
  type DeliveryErrorOutcome,
  type RefusalKind,
  type ServerEffect,
  type TransactionFailure,
} from "@/lib/smtp/outcome.ts";
import type { ClaimedMessage } from "./claim.ts";

/**
 * Handing one message to a customer's server: one SMTP transaction per chunk of recipients, and
 * for each transaction which recipients the server accepted and which it refused, and how.
 *
 * nodemailer throws only when every recipient is refused; when some are accepted it sends DATA
 * and lists the others in `rejectedErrors`. Both end up here as per-recipient refusals.
 */

export type RecipientRefusal = { address: string; kind: RefusalKind; outcome: DeliveryErrorOutcome };

export type TransactionResult = {
  handoffId: bigint | null;
  recipients: string[];
  finishedAt: number;
  accepted: string[];
  refused: RecipientRefusal[];
  /** The server's reply to the message (after DATA) when it took it. */
  response?: string;
  /** The transaction failed as a whole (connection, MAIL FROM, DATA). */
  failure?: TransactionFailure;
};

export type Handover = { message: ClaimedMessage; startedAt: number; transactions: TransactionResult[] };

const RANK: Record<ServerEffect, number> = { none: 0, connection: 1, throttle: 2, pause: 3 };

/** The strongest effect of a hand-over on its server: a pause outranks a wait. */
export function serverEffectOf(handover: Handover): { effect: ServerEffect; outcome?: DeliveryErrorOutcome; error?: string } {
  let strongest: { effect: ServerEffect; outcome?: DeliveryErrorOutcome; error?: string } = { effect: "none" };
  const consider = (effect: ServerEffect, outcome: DeliveryErrorOutcome, error?: string) => {
    if (RANK[effect] > RANK[strongest.effect]) strongest = { effect, outcome, ...(error ? { error } : {}) };
  };
  for (const transaction of handover.transactions) {
    if (transaction.failure) consider(failureEffect(transaction.failure), transaction.failure.outcome, transaction.failure.error);
    for (const refusal of transaction.refused) {
      if (refusal.kind === "throttle") consider("throttle", refusal.outcome);
      if (refusal.kind === "pause") consider("pause", refusal.outcome);
    }
  }
  return strongest;
}

type RefusedError = { recipient?: unknown };

function refusalsOf(errors: unknown, othersAccepted: boolean): RecipientRefusal[] {
  if (!Array.isArray(errors)) return [];
  return errors.map((error: RefusedError) => ({
    address: String(error.recipient ?? ""),
    kind: refusalKind(error, othersAccepted),
    outcome: deliveryErrorOutcome(error),
  }));
}

async function sendMailOnce(transporter: Transporter, options: Parameters<Transporter["sendMail"]>[0]): Promise<SentMessageInfo> {
  try {
    return await transporter.sendMail(options);
  } catch (error) {
    if (!(error instanceof Error) || !POOL_GAVE_UP_UNSENT.test(error.message)) throw error;
    return transporter.sendMail(options);
  }
}

/** Up to this much of a message goes to the socket in one write. */
const COALESCE_BYTES = 64 * 1024;

/**
 * The compiled message on its way to the socket, in few writes, with its end held back.
 *
 * Coalesced: nodemailer's MIME stream pushes each header block and body part as its own chunk
 * (8 for a short text message), and each chunk would be one write to the socket; here they go
 * out together, up to 64 KiB at a time. (Measured in `npm run bench -- delivery`: the socket
 * writes were a fifth of the worker's CPU.)
 *
 * Held: the end of the message (and so the final "." of DATA) waits until `gate` settles. A lane
 * sends the next message's envelope and body while the previous hand-over is being recorded, but
 * the server can only take it once that record is committed. So at most one transaction per lane
 * is ever delivered and unrecorded. A failed gate fails the stream: the server never gets the ".".
 */
class CoalesceAndHoldEnd extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly gate: Promise<unknown> | undefined) {
    super();
  }
  private joined(): Buffer {
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= COALESCE_BYTES) callback(null, this.joined());
    else callback();
  }
  override _flush(callback: TransformCallback) {
    // The body goes now; only the end waits for the gate.
    if (this.size > 0) this.push(this.joined());
    if (!this.gate) return callback();
    this.gate.then(
      () => callback(),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

type GatedMail = { holdEndUntil?: Promise<unknown> };
const preparedTransporters = new WeakSet<Transporter>();

/** Registers the plugin that coalesces each message and applies its `holdEndUntil`, once per transporter. */
function coalesceAndAllowHeldEnds(transporter: Transporter): void {
  if (preparedTransporters.has(transporter)) return;
  transporter.use("stream", (mail, done) => {
    const gate = (mail.data as GatedMail).holdEndUntil;
    // A factory: a message retried on a fresh connection streams again through a new one.
    mail.message.transform(() => new CoalesceAndHoldEnd(gate));
    done();
  });
  preparedTransporters.add(transporter);
}

async function sendTransaction(
  transporter: Transporter,
  message: ClaimedMessage,
  chunk: ClaimedMessage["chunks"][number],
  holdEndUntil: Promise<unknown> | undefined,
): Promise<TransactionResult> {
  const base = { handoffId: chunk.handoffId, recipients: chunk.recipients };
  try {
    coalesceAndAllowHeldEnds(transporter);
    const info = (await sendMailOnce(transporter, {
      holdEndUntil,
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
    } as Parameters<Transporter["sendMail"]>[0] & GatedMail)) as { accepted?: unknown[]; rejectedErrors?: unknown[]; response?: string };
    const accepted = (info.accepted ?? chunk.recipients).map((entry) => (typeof entry === "string" ? entry : String((entry as { address?: string }).address)));
    return { ...base, finishedAt: Date.now(), accepted, refused: refusalsOf(info.rejectedErrors, accepted.length > 0), response: info.response ?? "250 OK" };
  } catch (error) {
    const refused = (error as { rejectedErrors?: unknown }).rejectedErrors;
    // Every recipient refused: no DATA was sent, each refusal has its own reply.
    if (Array.isArray(refused) && refused.length > 0 && (error as { command?: string }).command === "RCPT TO") {
      return { ...base, finishedAt: Date.now(), accepted: [], refused: refusalsOf(refused, false) };
    }
    return {
      ...base,
      finishedAt: Date.now(),
      accepted: [],
      refused: [],
      failure: {
        outcome: deliveryErrorOutcome(error),
        error: error instanceof Error ? error.message : String(error),
        command: (error as { command?: string }).command,
      },
    };
  }
}

/**
 * Sends a message's transactions one after another. It stops early when the server must wait or
 * stop (throttle, pause, connection trouble) or took fewer recipients than offered (overflow, so
 * the limiter counts the extra transaction before it goes); recipients refused for good or for now
 * do not stop the rest. `afterTransaction` records progress before the next transaction starts,
 * so a crash never repeats a transaction whose answer was received.
 */
export async function handOver(
  transporter: Transporter,
  message: ClaimedMessage,
  options: { afterTransaction: (transaction: TransactionResult) => Promise<void>; holdEndUntil?: Promise<unknown> },
): Promise<Handover> {
  const { afterTransaction } = options;
  const handover: Handover = { message, startedAt: Date.now(), transactions: [] };
  for (const [index, chunk] of message.chunks.entries()) {
    // Only the first transaction waits for the previous message's record; later ones follow this message's own progress record.
    const transaction = await sendTransaction(transporter, message, chunk, index === 0 ? options.holdEndUntil : undefined);
    handover.transactions.push(transaction);
    const stop = transaction.failure || transaction.refused.some((r) => r.kind === "overflow" || r.kind === "throttle" || r.kind === "pause");
    if (stop) break;
    if (index < message.chunks.length - 1) await afterTransaction(transaction);
  }
  return handover;
}

/** Whether the server must wait or stop, or a recipient overflowed: then the batch stops after this message. */
export function stopsTheBatch(handover: Handover): boolean {
  return serverEffectOf(handover).effect !== "none" || handover.transactions.some((t) => t.refused.some((r) => r.kind === "overflow"));
}
