import { z } from "zod";
import { list, uuid } from "@/lib/ui/fields.ts";
import { WEBHOOK_EVENTS } from "./events.ts";

export const createWebhookSchema = z.object({
  apiKeyId: uuid,
  url: z.string({ error: "validation.required" }).trim().min(1, "validation.required").max(2000, "validation.tooLong|max=2000"),
  events: list(z.enum(WEBHOOK_EVENTS)).refine((events) => events.length > 0, "webhooks.eventsRequired"),
});
export const webhookIdSchema = z.object({ id: uuid });
export const setWebhookActiveSchema = z.object({ id: uuid, active: z.enum(["true", "false"]).transform((value) => value === "true") });

/** What a receiver gets (the body of every webhook call); documented in the OpenAPI document's `webhooks`. */
export const messageEventSchema = z.strictObject({
  id: z.guid().describe("The event's id (UUID-formatted, derived from the message and its change): the same in every retry of this event; deduplicate on it."),
  type: z.enum(WEBHOOK_EVENTS),
  createdAt: z.iso.datetime({ offset: true }),
  data: z.strictObject({
    messageId: z.uuid(),
    status: z.enum(["QUEUED", "DEFERRED", "SENDING", "SENT", "RETRYING", "FAILED", "CANCELLED", "PARTIALLY_SENT"]),
    attempt: z.int().describe("Delivery attempts so far."),
    possibleDuplicate: z.boolean(),
    serverId: z.uuid().nullable().describe("null: the platform's own delivery."),
    recipients: z.array(z.string()).describe("Every envelope recipient (to, cc, bcc), as GET /api/v1/messages/{id} returns them."),
    recipientCount: z.int(),
    responseCode: z.int().nullable().describe("The last SMTP reply code."),
    response: z.string().max(500).nullable().describe("The last SMTP reply, at most 500 characters."),
    nextAttemptAt: z.iso.datetime({ offset: true }).nullable(),
    sentAt: z.iso.datetime({ offset: true }).nullable(),
  }),
});

export const testEventSchema = z.strictObject({
  id: z.uuid(),
  type: z.literal("webhook.test"),
  createdAt: z.iso.datetime({ offset: true }),
  data: z.strictObject({ apiKey: z.string().describe("The name of the API key the endpoint belongs to.") }),
});
