"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { uuid } from "@/lib/ui/fields.ts";
import { cancelMessage, retryMessage } from "./mutations.ts";

const messageIdSchema = z.object({ messageId: uuid });

export const retryMessageAction = defineAction({
  name: "logging.retry",
  permission: Permission.MAILSERVERS_EDIT,
  schema: messageIdSchema,
  async run(input, { actor, t }) {
    const { recipientsToSend } = await retryMessage(db(), await webBoss(), actor, input.messageId);
    revalidatePath("/beheer/applicatieinstellingen", "layout");
    return { ok: true, message: recipientsToSend === null ? t("logging.retried") : t("logging.retriedRecipients", { count: recipientsToSend }) };
  },
});

export const cancelMessageAction = defineAction({
  name: "logging.cancel",
  permission: Permission.MAILSERVERS_EDIT,
  schema: messageIdSchema,
  async run(input, { actor, t }) {
    await cancelMessage(db(), actor, input.messageId);
    revalidatePath("/beheer/applicatieinstellingen", "layout");
    return { ok: true, message: t("logging.cancelled") };
  },
});
