import { z } from "zod";
import { email, list, text, uuid } from "@/lib/ui/fields.ts";

export const createUserSchema = z.object({
  name: text(120),
  email,
  password: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined))
    .pipe(z.string().min(12, "validation.passwordTooShort").max(256, "validation.tooLong|max=256").optional()),
  roles: list(uuid),
});

export const setUserRolesSchema = z.object({ userId: uuid, roles: list(uuid) });

export const setUserActiveSchema = z.object({
  userId: uuid,
  active: z.enum(["true", "false"]).transform((value) => value === "true"),
});
