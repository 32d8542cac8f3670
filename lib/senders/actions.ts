"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { withNotice } from "@/lib/ui/notice-codes.ts";
import { addSender, checkSenderPreflight, removeSender, resendCodes, verifySender } from "./mutations.ts";
import { addSenderSchema, senderIdSchema, verifySenderSchema } from "./schema.ts";

const SERVERS = "/beheer/applicatieinstellingen/mailservers";

const senderPage = (serverId: string, senderId: string) => `${SERVERS}/${serverId}/afzenders/${senderId}`;

/**
 * On success the user goes on to the sender's page, where the codes are entered; what happened is
 * a notice there (lib/ui/notice.tsx), so it is still there after a refresh.
 */
export const addSenderAction = defineAction({
  name: "senders.add",
  permission: Permission.MAILSERVERS_EDIT,
  schema: addSenderSchema,
  async run(input, { actor }) {
    const sender = await addSender(db(), await webBoss(), actor, input, undefined, mailCatcherEnabled());
    revalidatePath(`${SERVERS}/${input.serverId}`);
    redirect(withNotice(senderPage(input.serverId, sender.id), sender.domainUnresolved ? "afzender-proefmodus" : "afzender-toegevoegd"));
  },
});

export const verifySenderAction = defineAction({
  name: "senders.verify",
  permission: Permission.MAILSERVERS_EDIT,
  schema: verifySenderSchema,
  async run(input, { actor, t }) {
    const result = await verifySender(db(), actor, input);
    revalidatePath(SERVERS, "layout");
    // Verified or locked, the code form is gone: the outcome is a notice on the sender's page.
    if (result.ok || result.reason === "locked") {
      const sender = await db().sender.findUniqueOrThrow({ where: { id: input.senderId }, select: { serverId: true } });
      redirect(withNotice(senderPage(sender.serverId, input.senderId), result.ok ? "afzender-geverifieerd" : "afzender-geblokkeerd"));
    }
    // Not thrown: the counted try must stay committed.
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
