/**
 * Per-recipient outcomes of a message (OutboundMessage.recipientOutcomes).
 *
 * A server may accept some recipients of a transaction and refuse others; nodemailer then sends
 * DATA for the accepted ones and only lists the refused ones. What each recipient's last answer
 * was is kept here, so a retry, a deferral, a split or a crash recovery never sends a recipient
 * again that the server already accepted, and the Logging can say "5 van 12 afgeleverd, 7 wachten".
 *
 * Null in the database means nothing partial happened: every recipient is still to be sent (or,
 * for a SENT message, every recipient was accepted in one go).
 */
export type RecipientState = "DELIVERED" | "WAITING" | "FAILED";

export type RecipientOutcome = {
  state: RecipientState;
  /** The server's reply code for this recipient (250 for accepted, else the RCPT refusal). */
  code?: number;
  /** The server's reply line, as received (data, not a sentence of ours). */
  reply?: string;
  /** ISO time of the answer. */
  at: string;
};

export type RecipientOutcomes = Record<string, RecipientOutcome>;

/** Reads the JSON column defensively: anything that is not an outcome map counts as empty. */
export function readRecipientOutcomes(value: unknown): RecipientOutcomes {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  const outcomes: RecipientOutcomes = {};
  for (const [address, raw] of Object.entries(value as Record<string, unknown>)) {
    const outcome = raw as Partial<RecipientOutcome> | null;
    if (outcome && (outcome.state === "DELIVERED" || outcome.state === "WAITING" || outcome.state === "FAILED")) {
      outcomes[address] = {
        state: outcome.state,
        ...(typeof outcome.code === "number" ? { code: outcome.code } : {}),
        ...(typeof outcome.reply === "string" ? { reply: outcome.reply } : {}),
        at: typeof outcome.at === "string" ? outcome.at : new Date(0).toISOString(),
      };
    }
  }
  return outcomes;
}

/** Every envelope recipient of a message, in order, each once (To, Cc, Bcc). */
export function allRecipients(message: { to: string[]; cc: string[]; bcc: string[] }): string[] {
  return [...new Set([...message.to, ...message.cc, ...message.bcc])];
}

/** The recipients still to be handed over: neither accepted nor refused for good. */
export function pendingRecipients(message: { to: string[]; cc: string[]; bcc: string[] }, outcomes: RecipientOutcomes): string[] {
  return allRecipients(message).filter((address) => {
    const state = outcomes[address]?.state;
    return state !== "DELIVERED" && state !== "FAILED";
  });
}

export type RecipientSummary = { total: number; delivered: number; waiting: number; failed: number };

/**
 * Counts per state. For a message without per-recipient detail the message status decides:
 * SENT means all delivered, FAILED all failed, anything else all waiting.
 */
export function summarizeRecipients(message: { to: string[]; cc: string[]; bcc: string[]; status: string; recipientOutcomes: unknown }): RecipientSummary {
  const recipients = recipientStates(message);
  const summary: RecipientSummary = { total: recipients.length, delivered: 0, waiting: 0, failed: 0 };
  for (const { state } of recipients) {
    if (state === "DELIVERED") summary.delivered++;
    else if (state === "FAILED") summary.failed++;
    else summary.waiting++;
  }
  return summary;
}

export type RecipientStateRow = { address: string; state: RecipientState } & Partial<Omit<RecipientOutcome, "state">>;

/**
 * Every recipient with its state, in envelope order: its own outcome when there is one, else
 * what the message status says (SENT: delivered; FAILED, CANCELLED: failed; otherwise waiting).
 */
export function recipientStates(message: { to: string[]; cc: string[]; bcc: string[]; status: string; recipientOutcomes: unknown }): RecipientStateRow[] {
  const outcomes = readRecipientOutcomes(message.recipientOutcomes);
  const byStatus: RecipientState =
    message.status === "SENT" ? "DELIVERED" : message.status === "FAILED" || message.status === "CANCELLED" ? "FAILED" : "WAITING";
  return allRecipients(message).map((address) => ({ address, ...(outcomes[address] ?? { state: byStatus }) }));
}

/** The status a message ends in once nothing is pending any more. */
export function finalStatus(summary: RecipientSummary): "SENT" | "PARTIALLY_SENT" | "FAILED" {
  if (summary.failed === 0) return "SENT";
  return summary.delivered > 0 ? "PARTIALLY_SENT" : "FAILED";
}
