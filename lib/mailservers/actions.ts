"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { defineAction } from "@/lib/ui/action.ts";
import {
  applyRecipientCapSuggestion,
  createServer,
  deleteServer,
  dismissRecipientCapSuggestion,
  resumeDelivery,
  testServerConnection,
  updateServer,
} from "./mutations.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import type { ProbeResult } from "./probe.ts";
import { summarizeProbe } from "./probe-summary.ts";
import { probeSchema, recipientCapSuggestionSchema, serverFormSchema, serverIdSchema, updateServerSchema } from "./schema.ts";

const LIST = "/beheer/applicatieinstellingen/mailservers";

export const createServerAction = defineAction<typeof serverFormSchema, { id: string }>({
  name: "mailservers.create",
  permission: Permission.MAILSERVERS_EDIT,
  schema: serverFormSchema,
  async run(input, { actor, t }) {
    const server = await createServer(db(), actor, input);
    revalidatePath(LIST);
    return { ok: true, message: t("mailservers.created", { name: server.name }), data: { id: server.id } };
  },
});

export const updateServerAction = defineAction<typeof updateServerSchema, { id: string }>({
  name: "mailservers.update",
  permission: Permission.MAILSERVERS_EDIT,
  schema: updateServerSchema,
  async run(input, { actor, t }) {
    const { id, ...fields } = input;
    const { server, connectionChanged } = await updateServer(db(), actor, id, fields);
    revalidatePath(LIST, "layout");
    return {
      ok: true,
      message: t(connectionChanged ? "mailservers.savedConnectionChanged" : "mailservers.saved", { name: server.name }),
      data: { id },
    };
  },
});

export const deleteServerAction = defineAction({
  name: "mailservers.delete",
  permission: Permission.MAILSERVERS_EDIT,
  schema: serverIdSchema,
  async run(input, { actor, t }) {
    const server = await deleteServer(db(), actor, input.id);
    revalidatePath(LIST, "layout");
    return { ok: true, message: t("mailservers.deleted", { name: server.name }) };
  },
});

export const testServerAction = defineAction<typeof probeSchema, ProbeResult>({
  name: "mailservers.test",
  permission: Permission.MAILSERVERS_EDIT,
  schema: probeSchema,
  async run(input, { actor, t }) {
    const result = await testServerConnection(db(), actor, input);
    revalidatePath(`${LIST}/${input.id}`);
    // The headline never names a provider, so the locale does not matter for it.
    return { ok: true, message: summarizeProbe(result, t, "nl").headline, data: result };
  },
});

export const resumeServerAction = defineAction({
  name: "mailservers.resume",
  permission: Permission.MAILSERVERS_EDIT,
  schema: serverIdSchema,
  async run(input, { actor, t }) {
    const server = await resumeDelivery(db(), await webBoss(), actor, input.id);
    revalidatePath(`${LIST}/${input.id}`);
    return { ok: true, message: t("mailservers.resumed", { name: server.name }) };
  },
});

export const applyRecipientCapSuggestionAction = defineAction({
  name: "mailservers.learned.recipientCap.apply",
  permission: Permission.MAILSERVERS_EDIT,
  schema: recipientCapSuggestionSchema,
  async run(input, { actor, t }) {
    const { maxRecipientsPerMessage } = await applyRecipientCapSuggestion(db(), actor, input);
    revalidatePath(`${LIST}/${input.serverId}`);
    return { ok: true, message: t("mailservers.learned.recipientCapApplied", { count: maxRecipientsPerMessage }) };
  },
});

export const dismissRecipientCapSuggestionAction = defineAction({
  name: "mailservers.learned.recipientCap.dismiss",
  permission: Permission.MAILSERVERS_EDIT,
  schema: recipientCapSuggestionSchema,
  async run(input, { actor, t }) {
    await dismissRecipientCapSuggestion(db(), actor, input);
    revalidatePath(`${LIST}/${input.serverId}`);
    return { ok: true, message: t("mailservers.learned.dismissed") };
  },
});
