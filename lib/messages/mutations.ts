import type { PgBoss } from "pg-boss";
import { db, type Db, type Tx } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import { renderIntoFrame, type Frame } from "@/lib/templates/render.ts";
import { routeOf } from "@/lib/templates/route.ts";
import type { Recipient, SubmitInput } from "./schema.ts";

/** The submission names a master template key that does not exist (the API answers 422). */
export class UnknownTemplateError extends Error {
  override readonly name = "UnknownTemplateError";
  constructor(readonly key: string) {
    super(`unknown master template "${key}"`);
  }
}

export type SubmitResult = { id: string; status: MessageStatus; replayed: boolean };

export type SubmitHooks = {
  /** Runs inside the transaction after the message and its job were written (tests force a failure here). */
  afterInsert?: (tx: Tx) => Promise<void> | void;
};

/**
 * Names are dropped: the columns hold bare addresses, and an address validated by the schema
 * cannot carry a line break into a header.
 */
function addressOf(recipient: Recipient): string {
  return typeof recipient === "string" ? recipient : recipient.address;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

async function findByIdempotencyKey(prisma: Db | Tx, apiKeyId: string, idempotencyKey: string) {
  return prisma.outboundMessage.findUnique({
    where: { apiKeyId_idempotencyKey: { apiKeyId, idempotencyKey } },
    select: { id: true, status: true },
  });
}

/** The API key behind the submission was revoked since the route found it active (the API answers 401). */
export class InactiveApiKeyError extends Error {
  override readonly name = "InactiveApiKeyError";
  constructor(readonly apiKeyId: string) {
    super("the API key is no longer active");
  }
}

type SubmissionTemplate = Frame & { id: string; serverId: string | null; sender: { id: string; displayName: string; address: string } | null };

/**
 * In one statement: whether the API key is still active, and the template with its sender.
 * The route trusts a key it verified a moment ago (authenticateSubmission), so this is the check
 * that keeps a revoked key from writing; the model queries would take three round trips.
 */
async function keyAndTemplate(tx: Tx, apiKeyId: string, templateKey: string): Promise<{ keyActive: boolean; template: SubmissionTemplate | null }> {
  const [row] = await tx.$queryRaw<
    {
      keyActive: boolean;
      id: string | null;
      htmlFrame: string | null;
      textFrame: string | null;
      serverId: string | null;
      senderId: string | null;
      displayName: string | null;
      address: string | null;
    }[]
  >`SELECT k."revokedAt" IS NULL AS "keyActive", t.id, t."htmlFrame", t."textFrame", t."serverId", s.id AS "senderId", s."displayName", s.address
      FROM "ApiKey" k
      LEFT JOIN "MasterTemplate" t ON t.key = ${templateKey}
      LEFT JOIN "Sender" s ON s.id = t."senderId"
     WHERE k.id = ${apiKeyId}::uuid`;
  if (!row?.keyActive) return { keyActive: false, template: null };
  if (!row.id) return { keyActive: true, template: null };
  const sender = row.senderId ? { id: row.senderId, displayName: row.displayName!, address: row.address! } : null;
  return { keyActive: true, template: { id: row.id, htmlFrame: row.htmlFrame!, textFrame: row.textFrame!, serverId: row.serverId, sender } };
}

/**
 * Accepts one application message: renders it into its master template's frame, resolves the
 * template's route as it is right now, and stores the message together with its delivery job
 * in one transaction, so an accepted message is never lost and a failed one leaves nothing.
 *
 * With an idempotency key, a repeat of the same key by the same API key returns the first
 * message and stores nothing. Two concurrent first requests both pass the lookup; the unique
 * index (apiKeyId, idempotencyKey) lets one of them commit and the other fail, which then reads
 * the winner's message.
 */
export async function submitMessage(prisma: Db, boss: PgBoss, apiKey: { id: string }, input: SubmitInput, hooks: SubmitHooks = {}): Promise<SubmitResult> {
  const idempotencyKey = input.idempotencyKey ?? null;
  try {
    return await prisma.$transaction(async (tx) => {
      const { keyActive, template } = await keyAndTemplate(tx, apiKey.id, input.template);
      if (!keyActive) throw new InactiveApiKeyError(apiKey.id);
      if (idempotencyKey) {
        const first = await findByIdempotencyKey(tx, apiKey.id, idempotencyKey);
        if (first) return { ...first, replayed: true };
      }
      if (!template) throw new UnknownTemplateError(input.template);
      const route = routeOf(template);
      // Empty parts count as absent: an empty text next to HTML still gets a derived text part.
      const rendered = renderIntoFrame(template, { subject: input.subject, html: input.html || undefined, text: input.text || undefined });
      const { id } = await queueMessage(tx, boss, {
        kind: "APPLICATION",
        serverId: route.serverId,
        senderId: route.senderId,
        from: route.from,
        to: input.to.map(addressOf),
        cc: (input.cc ?? []).map(addressOf),
        bcc: (input.bcc ?? []).map(addressOf),
        replyTo: input.replyTo ? addressOf(input.replyTo) : null,
        subject: input.subject,
        html: rendered.html,
        text: rendered.text,
        giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
        templateId: template.id,
        apiKeyId: apiKey.id,
        idempotencyKey,
      });
      await hooks.afterInsert?.(tx);
      return { id, status: "QUEUED" as const, replayed: false };
    });
  } catch (error) {
    if (idempotencyKey && isUniqueViolation(error)) {
      const first = await findByIdempotencyKey(prisma, apiKey.id, idempotencyKey);
      if (first) return { ...first, replayed: true };
    }
    throw error;
  }
}

/** The submission API's write, on this process's client and job queue: route handlers never touch the database client. */
export async function submitFromApi(apiKey: { id: string }, input: SubmitInput): Promise<SubmitResult> {
  return submitMessage(db(), await webBoss(), apiKey, input);
}
