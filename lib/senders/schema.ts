import { z } from "zod";
import { email, text, uuid } from "@/lib/ui/fields.ts";

export const addSenderSchema = z.object({
  serverId: uuid,
  displayName: text(120),
  address: email,
});

export const verifySenderSchema = z.object({
  senderId: uuid,
  code1: z.string().max(40, "validation.tooLong|max=40").optional().default(""),
  code2: z.string().max(40, "validation.tooLong|max=40").optional().default(""),
});

export const senderIdSchema = z.object({ senderId: uuid });
