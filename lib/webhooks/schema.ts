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
