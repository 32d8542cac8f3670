import { z } from "zod";
import { text, uuid } from "@/lib/ui/fields.ts";

const frame = (max: number) =>
  z
    .string({ error: "validation.required" })
    .max(max, `validation.tooLong|max=${max}`)
    .refine((value) => value.includes("{{inhoud}}"), "templates.errors.slotMissing");

export const templateSchema = z.object({
  name: text(120),
  key: z
    .string({ error: "validation.required" })
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "templates.errors.key"),
  carries: z.enum(["WERKGEVER", "MEDISCH"], { error: "validation.required" }),
  htmlFrame: frame(100_000),
  textFrame: frame(50_000),
});

export const updateTemplateSchema = templateSchema.extend({ id: uuid });

/** "" for server means the platform's own delivery. */
export const routeSchema = z.object({
  templateId: uuid,
  serverId: z.union([z.literal(""), uuid]).transform((value) => value || null),
  senderId: z
    .union([z.literal(""), uuid])
    .optional()
    .transform((value) => value || null),
  fgConsent: z
    .union([z.literal("on"), z.literal("true"), z.literal("")])
    .optional()
    .transform((value) => value === "on" || value === "true"),
});

export const testMessageSchema = z.object({
  templateId: uuid,
  to: z.string().trim().toLowerCase().pipe(z.email("validation.invalidEmail")),
});
