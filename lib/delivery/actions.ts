"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { LIMIT_UNITS, LIMIT_WINDOWS } from "@/lib/mailservers/presets.ts";
import { getLocale } from "@/lib/i18n/server.ts";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import { uuid } from "@/lib/ui/fields.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { applyLimitSuggestion, dismissLimitSuggestion } from "./mutations.ts";

/** Which suggestion: the window it is about. The count is never taken from the form. */
const suggestionSchema = z.object({
  serverId: uuid,
  window: z.enum(LIMIT_WINDOWS),
  windowSize: z.coerce.number().int().min(1).max(1000),
  unit: z.enum(LIMIT_UNITS),
});

const serverPage = (id: string) => `/beheer/applicatieinstellingen/mailservers/${id}`;

export const applyLimitSuggestionAction = defineAction({
  name: "mailservers.learned.apply",
  permission: Permission.MAILSERVERS_EDIT,
  schema: suggestionSchema,
  async run(input, { actor, t }) {
    const { count } = await applyLimitSuggestion(db(), actor, input);
    const locale = await getLocale();
    revalidatePath(serverPage(input.serverId));
    return { ok: true, message: t("mailservers.learned.applied", { limit: limitSentence({ ...input, count }, t, locale) }) };
  },
});

export const dismissLimitSuggestionAction = defineAction({
  name: "mailservers.learned.dismiss",
  permission: Permission.MAILSERVERS_EDIT,
  schema: suggestionSchema,
  async run(input, { actor, t }) {
    await dismissLimitSuggestion(db(), actor, input);
    revalidatePath(serverPage(input.serverId));
    return { ok: true, message: t("mailservers.learned.dismissed") };
  },
});
