import { allowPrivateSmtpHosts, config } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import type { AttemptOutcome, MessageStatus } from "@/lib/generated/prisma/enums.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { platformDeliveryOptions, sendViaPlatform, type DeliveryTry } from "./platform-transport.ts";
import { sendViaServer } from "./server-transport.ts";

export type DeliveryResult = "sent" | "retry" | "failed" | "skipped";

const FINAL: MessageStatus[] = ["SENT", "FAILED", "CANCELLED"];

/** The wait before the next try, as pg-boss computes it roughly (base × 2^(n-1), capped). */
export function nextRetryAt(attempt: number, now = new Date(), baseSeconds = config().RETRY_BASE_SECONDS, maxSeconds = 900): Date {
  return new Date(now.getTime() + Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1)) * 1000);
}

/**
 * One delivery attempt of a stored message: platform delivery when it has no server, else the
 * customer's server. Each attempt is a row in the delivery log with what the other side said.
 * Returns "retry" for a transient failure, so the job runner schedules the next attempt.
 */
export async function deliverMessage(prisma: Db, messageId: string, now = new Date()): Promise<DeliveryResult> {
  const message = await prisma.outboundMessage.findUnique({ where: { id: messageId }, include: { server: true } });
  if (!message || FINAL.includes(message.status)) return "skipped";
  if (message.giveUpAt < now) {
    await prisma.outboundMessage.update({
      where: { id: message.id },
      data: { status: "FAILED", lastError: "Opgegeven: niet afgeleverd binnen de geldigheidsduur", nextAttemptAt: null },
    });
    return "failed";
  }
  const number = message.attemptCount + 1;
  const platform = platformDeliveryOptions();
  const route = message.server ? "server" : platform.platformSmtpUrl ? "smarthost" : "mx";
  const attempt = await prisma.deliveryAttempt.create({ data: { messageId: message.id, number, route } });
  await prisma.outboundMessage.update({ where: { id: message.id }, data: { status: "SENDING", attemptCount: number } });

  const outcome = message.server
    ? await sendViaServer(
        message.server,
        {
          from: { name: message.fromName, address: message.fromAddress },
          to: message.to,
          cc: message.cc,
          bcc: message.bcc,
          replyTo: message.replyTo,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageIdHeader,
        },
        { allowPrivate: allowPrivateSmtpHosts() },
      )
    : await sendViaPlatform(
        {
          from: { name: message.fromName, address: message.fromAddress },
          to: [...message.to, ...message.cc, ...message.bcc],
          subject: message.subject,
          text: message.text ?? "",
          ...(message.html ? { html: message.html } : {}),
          messageId: message.messageIdHeader,
        },
        platform,
      );

  // A verification code that cannot pass the server's configuration (credentials, Send As) is
  // for the administrator to fix and resend; retrying it for a day would only hide the answer.
  const configurationFault = message.kind === "CONFIGURATION_CODE" && (outcome.classification === "auth" || outcome.classification === "config");
  const result: DeliveryResult = outcome.status === "sent" ? "sent" : outcome.status === "transient" && !configurationFault ? "retry" : "failed";
  const attemptOutcome: AttemptOutcome = result === "sent" ? "SENT" : result === "retry" ? "RETRY" : "FAILED";
  const tried = outcome.tried as DeliveryTry[];
  const dnsError = "dnsError" in outcome ? (outcome.dnsError as { message: string } | undefined)?.message : undefined;
  const lastError = result === "sent" ? null : (tried.at(-1)?.error ?? dnsError ?? outcome.explanation?.nl ?? null);
  const dns = "dns" in outcome ? ((outcome.dns as string | undefined) ?? null) : null;

  await prisma.$transaction([
    prisma.deliveryAttempt.update({
      where: { id: attempt.id },
      data: {
        finishedAt: new Date(),
        outcome: attemptOutcome,
        dns,
        tried: JSON.parse(JSON.stringify(tried)) as Prisma.InputJsonValue,
        responseCode: outcome.responseCode ?? null,
        response: outcome.response ?? null,
        error: lastError,
        explanationId: outcome.explanation?.id ?? null,
      },
    }),
    prisma.outboundMessage.update({
      where: { id: message.id },
      data: {
        status: result === "sent" ? "SENT" : result === "retry" ? "RETRYING" : "FAILED",
        sentAt: result === "sent" ? new Date() : null,
        nextAttemptAt: result === "retry" ? nextRetryAt(number, now) : null,
        lastResponseCode: outcome.responseCode ?? null,
        lastResponse: outcome.response ?? null,
        lastError,
      },
    }),
  ]);
  return result;
}
