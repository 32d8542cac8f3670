import { config } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import type { AttemptOutcome, MessageStatus } from "@/lib/generated/prisma/enums.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { backoffMs, RETRY_MAX_SECONDS } from "./limiter.ts";
import { deliveryNote } from "./notes.ts";
import { platformDeliveryOptions, sendViaPlatform } from "./platform-transport.ts";
import { mtaStsSettings, platformSigningKey, resolveMtaStsPolicy } from "@/lib/platform/mutations.ts";

export type DeliveryResult = "sent" | "retry" | "failed" | "skipped";

const FINAL: MessageStatus[] = ["SENT", "FAILED", "CANCELLED"];

/**
 * One delivery attempt of a stored message on the platform's own route (smarthost or direct to
 * the recipient domain's MX). Customer servers go through the engine (engine.ts) instead, which
 * adds limits and FIFO. Each attempt is a row in the delivery log with what the other side said.
 * Returns "retry" for a transient failure; the caller schedules the next attempt.
 */
export async function deliverMessage(prisma: Db, messageId: string, now = new Date()): Promise<DeliveryResult> {
  const message = await prisma.outboundMessage.findUnique({ where: { id: messageId } });
  if (!message || FINAL.includes(message.status) || message.serverId) return "skipped";
  if (message.giveUpAt < now) {
    await prisma.outboundMessage.update({
      where: { id: message.id },
      data: { status: "FAILED", lastError: deliveryNote.gaveUp(), nextAttemptAt: null },
    });
    return "failed";
  }
  const number = message.attemptCount + 1;
  // The platform's own route as an MTA (issue 17): signed with the From domain's DKIM key, and
  // direct delivery held to each recipient domain's MTA-STS policy (cached in the database).
  const sts = mtaStsSettings();
  const dkim = await platformSigningKey(prisma, message.fromAddress);
  const platform = {
    ...platformDeliveryOptions(),
    ...(dkim ? { dkim } : {}),
    ...(sts.extraCa ? { extraCa: sts.extraCa } : {}),
    mtaSts: (domain: string) => resolveMtaStsPolicy(prisma, domain, sts),
  };
  const attempt = await prisma.deliveryAttempt.create({ data: { messageId: message.id, number, route: platform.platformSmtpUrl ? "smarthost" : "mx" } });
  await prisma.outboundMessage.update({ where: { id: message.id }, data: { status: "SENDING", attemptCount: number } });

  const outcome = await sendViaPlatform(
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

  const result: DeliveryResult = outcome.status === "sent" ? "sent" : outcome.status === "transient" ? "retry" : "failed";
  const attemptOutcome: AttemptOutcome = result === "sent" ? "SENT" : result === "retry" ? "RETRY" : "FAILED";
  const lastError = result === "sent" ? null : (outcome.tried.at(-1)?.error ?? outcome.dnsError?.message ?? outcome.explanation?.nl ?? null);

  await prisma.$transaction([
    prisma.deliveryAttempt.update({
      where: { id: attempt.id },
      data: {
        finishedAt: new Date(),
        outcome: attemptOutcome,
        dns: outcome.dns ?? null,
        tried: JSON.parse(JSON.stringify(outcome.tried)) as Prisma.InputJsonValue,
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
        nextAttemptAt: result === "retry" ? new Date(now.getTime() + backoffMs(number, config().RETRY_BASE_SECONDS, RETRY_MAX_SECONDS)) : null,
        lastResponseCode: outcome.responseCode ?? null,
        lastResponse: outcome.response ?? null,
        lastError,
      },
    }),
  ]);
  return result;
}
