"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { createTemplate, setTemplateRoute, updateTemplate } from "./mutations.ts";
import { routeSchema, templateSchema, testMessageSchema, updateTemplateSchema } from "./schema.ts";
import { sendTestMessage } from "./test-message.ts";

const LIST = "/beheer/applicatieinstellingen/sjablonen";

export const createTemplateAction = defineAction<typeof templateSchema, { id: string }>({
  name: "templates.create",
  permission: Permission.TEMPLATES_EDIT,
  schema: templateSchema,
  async run(input, { actor, t }) {
    const template = await createTemplate(db(), actor, input);
    revalidatePath(LIST);
    return { ok: true, message: t("templates.created", { name: template.name }), data: { id: template.id } };
  },
});

export const updateTemplateAction = defineAction<typeof updateTemplateSchema, { id: string }>({
  name: "templates.update",
  permission: Permission.TEMPLATES_EDIT,
  schema: updateTemplateSchema,
  async run({ id, ...input }, { actor, t }) {
    const template = await updateTemplate(db(), actor, id, input);
    revalidatePath(LIST, "layout");
    return { ok: true, message: t("templates.saved", { name: template.name }), data: { id } };
  },
});

export const setTemplateRouteAction = defineAction({
  name: "templates.route",
  permission: Permission.TEMPLATES_EDIT,
  schema: routeSchema,
  async run(input, { actor, t }) {
    const { template } = await setTemplateRoute(db(), actor, input);
    revalidatePath(LIST, "layout");
    const route = template.serverId
      ? await db()
          .mailServer.findUniqueOrThrow({ where: { id: template.serverId }, select: { name: true } })
          .then((s) => s.name)
      : t("templates.platformDefault");
    return { ok: true, message: t("templates.routeSaved", { name: template.name, route }) };
  },
});

export const sendTestMessageAction = defineAction<typeof testMessageSchema, { messageId: string }>({
  name: "templates.testMessage",
  permission: Permission.TEMPLATES_EDIT,
  schema: testMessageSchema,
  async run(input, { actor, t }) {
    const { id } = await sendTestMessage(db(), await webBoss(), actor, input, t);
    return { ok: true, message: t("templates.testQueued"), data: { messageId: id } };
  },
});
