import {
  classifyReply,
  explainReply,
  isRecipientOverflow,
  parseReply,
  SENDER_LEVEL,
  SERVER_LEVEL_AT_MAIL_FROM,
  type ReplyClass,
  type ReplyExplanation,
  type SmtpOutcome,
} from "./replies.ts";

/**
 * What an SMTP exchange's failure means for delivery, the same for every transport (the platform's
 * own route, a customer's server): by the reply (replies.ts), not by nodemailer's error name.
 */

export type DeliveryStatus = "sent" | "transient" | "permanent";

/** What a delivery error means, the same for every transport (see deliveryErrorOutcome). */
export interface DeliveryErrorOutcome {
  status: DeliveryStatus;
  responseCode?: number;
  response?: string;
  classification: ReplyClass;
  explanation?: ReplyExplanation;
}

const MAX_TEXT = 1_000;
export const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

export function asSmtpOutcome(error: unknown): SmtpOutcome {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const e = error as Record<string, unknown>;
  return {
    responseCode: typeof e.responseCode === "number" ? e.responseCode : undefined,
    response: typeof e.response === "string" ? e.response : undefined,
    code: typeof e.code === "string" ? e.code : undefined,
    originalCode: typeof e.originalCode === "string" ? e.originalCode : undefined,
    command: typeof e.command === "string" ? e.command : undefined,
    message: typeof e.message === "string" ? e.message : undefined,
  };
}

export function replyCodeOf(outcome: SmtpOutcome): number | undefined {
  if (typeof outcome.responseCode === "number" && outcome.responseCode > 0) return outcome.responseCode;
  return outcome.response ? parseReply(outcome.response)?.code : undefined;
}

/**
 * What a failed send means for the message, by the reply (replies.ts), not the error name.
 *
 * `route` decides the two classes that blame configuration rather than the message ("auth",
 * "config"): through a relay (the platform smarthost, a customer's server) the relay's setup is
 * at fault and can be fixed, so the message waits ("transient") while the caller pauses the
 * server and tells the administrator; from a recipient's own MX a 5xx is that domain's final
 * word ("permanent").
 */
export function deliveryErrorOutcome(error: unknown, route: "relay" | "mx" = "relay"): DeliveryErrorOutcome {
  const outcome = asSmtpOutcome(error);
  const classification = classifyReply(outcome);
  const explanation = explainReply(outcome);
  const responseCode = replyCodeOf(outcome);
  let status: DeliveryStatus;
  switch (classification) {
    case "success":
      status = "sent";
      break;
    case "transient":
    case "throttled":
      status = "transient";
      break;
    case "permanent":
      status = "permanent";
      break;
    case "auth":
    case "config":
      status = route === "mx" && responseCode !== undefined && responseCode >= 500 ? "permanent" : "transient";
      break;
  }
  return {
    status,
    ...(responseCode !== undefined ? { responseCode } : {}),
    ...(outcome.response ? { response: clip(outcome.response.trim()) } : {}),
    classification,
    ...(explanation ? { explanation } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// What an outcome means for delivery through a customer's server (lib/delivery/handover.ts)

/**
 * How a refused recipient goes on:
 * - overflow: the server's per-message cap (`452 4.5.3` after others were taken): next transaction, now;
 * - throttle: the server asks to slow down: the recipient waits with the server;
 * - pause: the server's configuration refuses it (relaying, authentication): the server pauses;
 * - retry: a temporary problem with this recipient: retried with backoff;
 * - fail: refused for good.
 */
export type RefusalKind = "overflow" | "throttle" | "pause" | "retry" | "fail";

/** A transaction that failed as a whole (connection, MAIL FROM, DATA), as the engine records it. */
export type TransactionFailure = { outcome: DeliveryErrorOutcome; error: string; command?: string };

/** What a failure means for the server as a whole: wait, stop, or nothing (only this message). */
export type ServerEffect = "throttle" | "pause" | "connection" | "none";

export function failureEffect({ outcome, command }: TransactionFailure): ServerEffect {
  if (outcome.classification === "throttled") return "throttle";
  if (outcome.classification === "auth") return "pause";
  if (outcome.classification === "config") {
    const id = outcome.explanation?.id;
    // Send As and similar refusals at MAIL FROM concern one sender, not the server; a server that
    // demands STARTTLS (or a sign-in) first refuses every sender: that is its configuration.
    const serverLevel = id !== undefined && SERVER_LEVEL_AT_MAIL_FROM.has(id);
    const senderLevel = !serverLevel && ((id !== undefined && SENDER_LEVEL.has(id)) || command === "MAIL FROM");
    return senderLevel ? "none" : "pause";
  }
  if (outcome.responseCode === undefined && outcome.status === "transient") return "connection";
  return "none";
}

/** How one refused recipient goes on, from its own reply. */
export function refusalKind(error: unknown, othersAccepted: boolean): RefusalKind {
  const outcome = deliveryErrorOutcome(error);
  if (othersAccepted && isRecipientOverflow(asSmtpOutcome(error))) return "overflow";
  if (outcome.classification === "throttled") return "throttle";
  if (outcome.classification === "auth" || outcome.classification === "config") {
    return outcome.explanation && SENDER_LEVEL.has(outcome.explanation.id) ? "fail" : "pause";
  }
  return outcome.status === "permanent" ? "fail" : "retry";
}

/**
 * nodemailer's pool gives up on a reused connection that the server answered with a temporary
 * error (e.g. a throttle reply) before a byte of the message was read: it closes the connection
 * and, with maxRequeues 0, fails the message as "Reached maximum number of retries…", losing the
 * server's reply. Nothing was handed over, so one more try on a fresh connection is safe, and it
 * gets the real answer to classify, explain and learn from.
 */
export const POOL_GAVE_UP_UNSENT = /Reached maximum number of retries after connection was closed/;

/**
 * An answer lost mid-session may mean the server already has the message (RFC 5321 §4.5.3.2.6):
 * a re-send could duplicate it. nodemailer does not tell how far a dropped session got, so every
 * lost answer counts as possibly delivered, except failures that happen before any session
 * (refused, unresolvable, TLS) — over-marking is safe, under-marking is not.
 */
export function possiblyDelivered(failure: TransactionFailure): boolean {
  if (failure.outcome.responseCode !== undefined) return false;
  // Signing in (or fetching its OAuth2 token) comes before MAIL FROM: nothing was handed over.
  // (A dropped connection reports "CONN" at any stage, so only these commands are certain.)
  if (/^(AUTH|TOKEN)\b/i.test(failure.command ?? "") || failure.outcome.explanation?.id.startsWith("oauth-")) return false;
  // nodemailer's pool gave up on a reused connection before reading a byte (see sendMailOnce).
  if (POOL_GAVE_UP_UNSENT.test(failure.error)) return false;
  return !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTREFUSED|EHOSTUNREACH|ENETUNREACH|ETLS|Greeting never received|certificate/i.test(failure.error);
}

// ---------------------------------------------------------------------------------------------
// Direct delivery to a domain's MX hosts (lib/delivery/platform-transport.ts)

const SESSION_SETUP_COMMANDS = new Set(["CONN", "GREETING", "EHLO", "HELO", "LHLO", "STARTTLS"]);
const CONNECTION_ERRORS = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "ETLS", "EDNS", "EPROTOCOL"]);

/**
 * Failures that say nothing about the message, only about this host: no connection, no or a
 * refusing greeting, a broken session set-up, or 421 (the host is closing the channel). Another
 * MX host may well take the message; nothing was accepted, so trying it cannot duplicate.
 */
export function isHostLevelFailure(error: unknown): boolean {
  const outcome = asSmtpOutcome(error);
  const code = replyCodeOf(outcome);
  if (code === 421) return true;
  if (outcome.command && SESSION_SETUP_COMMANDS.has(outcome.command.toUpperCase())) return true;
  return code === undefined && outcome.code !== undefined && CONNECTION_ERRORS.has(outcome.code);
}

/**
 * The STARTTLS upgrade failed. nodemailer reports a handshake the server aborts as ESOCKET with
 * the OpenSSL code in `originalCode` (ERR_SSL_…), and its own TLS errors as ETLS.
 */
export function isTlsHandshakeFailure(error: unknown): boolean {
  const { code, originalCode } = asSmtpOutcome(error);
  const library = typeof error === "object" && error !== null ? (error as { library?: unknown }).library : undefined;
  return code === "ETLS" || /^ERR_(SSL|TLS)_/.test(originalCode ?? "") || (typeof library === "string" && /SSL/i.test(library));
}
