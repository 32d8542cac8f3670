import { classifyReply, explainReply, parseReply, type ReplyClass, type ReplyExplanation, type SmtpOutcome } from "./replies.ts";

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

