"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { webBoss } from "@/lib/jobs/boss.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { createWebhookEndpoint, deleteWebhookEndpoint, queueTestEvent, rotateWebhookSecret, setWebhookEndpointActive, wakeWebhooks } from "./mutations.ts";
import { createWebhookSchema, setWebhookActiveSchema, webhookIdSchema } from "./schema.ts";

// Webhooks belong to API keys: managing them takes the same right as managing the keys.
const PAGE = "/autorisaties/api-sleutels";

export const createWebhookAction = defineAction<typeof createWebhookSchema, { secret: string }>({
  name: "webhooks.create",
  permission: Permission.RIGHTS_MANAGE,
  schema: createWebhookSchema,
  async run(input, { actor, t }) {
    const created = await createWebhookEndpoint(db(), actor, input);
    revalidatePath(PAGE);
    // The one response that carries the secret: the administrator must copy it now.
    return { ok: true, message: t("webhooks.created"), data: { secret: created.secret } };
  },
});

export const rotateWebhookSecretAction = defineAction<typeof webhookIdSchema, { secret: string }>({
  name: "webhooks.rotate",
  permission: Permission.RIGHTS_MANAGE,
  schema: webhookIdSchema,
  async run(input, { actor, t }) {
    const { secret } = await rotateWebhookSecret(db(), actor, input);
    return { ok: true, message: t("webhooks.rotated"), data: { secret } };
  },
});

export const setWebhookActiveAction = defineAction({
  name: "webhooks.setActive",
  permission: Permission.RIGHTS_MANAGE,
  schema: setWebhookActiveSchema,
  async run(input, { actor, t }) {
    await setWebhookEndpointActive(db(), actor, input);
    revalidatePath(PAGE);
    return { ok: true, message: t(input.active ? "webhooks.enabled" : "webhooks.disabled") };
  },
});

export const deleteWebhookAction = defineAction({
  name: "webhooks.delete",
  permission: Permission.RIGHTS_MANAGE,
  schema: webhookIdSchema,
  async run(input, { actor, t }) {
    await deleteWebhookEndpoint(db(), actor, input);
    revalidatePath(PAGE);
    return { ok: true, message: t("webhooks.deleted") };
  },
});

export const sendTestWebhookAction = defineAction({
  name: "webhooks.test",
  permission: Permission.RIGHTS_MANAGE,
  schema: webhookIdSchema,
  async run(input, { t }) {
    await queueTestEvent(db(), input);
    await wakeWebhooks(await webBoss());
    revalidatePath(PAGE);
    return { ok: true, message: t("webhooks.testQueued") };
  },
});
