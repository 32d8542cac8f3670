"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { addSender, checkSenderPreflight, removeSender, resendCodes, verifySender } from "./mutations.ts";
import { addSenderSchema, senderIdSchema, verifySenderSchema } from "./schema.ts";

const SERVERS = "/beheer/applicatieinstellingen/mailservers";

export const addSenderAction = defineAction<typeof addSenderSchema, { senderId: string; serverId: string }>({
  name: "senders.add",
  permission: Permission.MAILSERVERS_EDIT,
  schema: addSenderSchema,
  async run(input, { actor, t }) {
    const sender = await addSender(db(), await webBoss(), actor, input);
    revalidatePath(`${SERVERS}/${input.serverId}`);
    return { ok: true, message: t("senders.added", { address: sender.address }), data: { senderId: sender.id, serverId: input.serverId } };
  },
});

export const verifySenderAction = defineAction({
  name: "senders.verify",
  permission: Permission.MAILSERVERS_EDIT,
  schema: verifySenderSchema,
  async run(input, { actor, t }) {
    const result = await verifySender(db(), actor, input);
    revalidatePath(SERVERS, "layout");
    if (result.ok) {
      const sender = await db().sender.findUniqueOrThrow({ where: { id: input.senderId }, select: { address: true } });
      return { ok: true, message: t("senders.verified", { address: sender.address }) };
    }
    // Not thrown: the counted try must stay committed.
    if (result.reason === "locked") throw new UserError("senders.locked");
    return { ok: false, status: 400, error: t("senders.wrongCode", { left: result.triesLeft }) };
  },
});

export const resendCodesAction = defineAction({
  name: "senders.resend",
  permission: Permission.MAILSERVERS_EDIT,
  schema: senderIdSchema,
  async run(input, { actor, t }) {
    await resendCodes(db(), await webBoss(), actor, input.senderId);
    revalidatePath(SERVERS, "layout");
    return { ok: true, message: t("senders.resent") };
  },
});

export const removeSenderAction = defineAction({
  name: "senders.remove",
  permission: Permission.MAILSERVERS_EDIT,
  schema: senderIdSchema,
  async run(input, { actor, t }) {
    const sender = await removeSender(db(), actor, input.senderId);
    revalidatePath(SERVERS, "layout");
    return { ok: true, message: t("senders.removed", { address: sender.address }) };
  },
});

/** "Opnieuw controleren": the DMARC preflight again, now. Stores its result, so it is an edit. */
export const recheckPreflightAction = defineAction({
  name: "senders.preflight.recheck",
  permission: Permission.MAILSERVERS_EDIT,
  schema: senderIdSchema,
  async run(input, { t }) {
    const report = await checkSenderPreflight(db(), input.senderId);
    revalidatePath(SERVERS, "layout");
    return { ok: true, message: t("senders.preflight.rechecked", { verdict: t(`senders.preflight.verdict.${report.verdict}`) }) };
  },
});
