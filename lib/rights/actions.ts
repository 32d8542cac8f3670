"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { createRole, saveRoleMatrix } from "./mutations.ts";
import { createRoleSchema, matrixSchema } from "./schema.ts";

export const saveRoleMatrixAction = defineAction({
  name: "rights.saveMatrix",
  permission: Permission.RIGHTS_MANAGE,
  schema: matrixSchema,
  async run(input, { actor, t }) {
    await saveRoleMatrix(db(), actor, input as Parameters<typeof saveRoleMatrix>[2]);
    revalidatePath("/autorisaties", "layout");
    return { ok: true, message: t("rights.savedMatrix") };
  },
});

export const createRoleAction = defineAction({
  name: "rights.createRole",
  permission: Permission.RIGHTS_MANAGE,
  schema: createRoleSchema,
  async run(input, { actor, t }) {
    const role = await createRole(db(), actor, input);
    revalidatePath("/autorisaties", "layout");
    return { ok: true, message: t("rights.roleAdded", { name: role.name }) };
  },
});
