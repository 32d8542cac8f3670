"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { createApiKey, revokeApiKey } from "./mutations.ts";
import { createApiKeySchema, revokeApiKeySchema } from "./schema.ts";

export const createApiKeyAction = defineAction<typeof createApiKeySchema, { key: string }>({
  name: "apikeys.create",
  permission: Permission.RIGHTS_MANAGE,
  schema: createApiKeySchema,
  async run(input, { actor, t }) {
    const created = await createApiKey(db(), actor, input);
    revalidatePath("/autorisaties/api-sleutels");
    // The one response that carries the key: the administrator must copy it now.
    return { ok: true, message: t("apiKeys.created"), data: { key: created.key } };
  },
});

export const revokeApiKeyAction = defineAction({
  name: "apikeys.revoke",
  permission: Permission.RIGHTS_MANAGE,
  schema: revokeApiKeySchema,
  async run(input, { actor, t }) {
    const key = await revokeApiKey(db(), actor, input);
    revalidatePath("/autorisaties/api-sleutels");
    return { ok: true, message: t("apiKeys.revokedMessage", { name: key.name }) };
  },
});
