"use server";

import { revalidatePath } from "next/cache";
import { Permission } from "@/lib/auth/permissions.ts";
import { db } from "@/lib/db/client.ts";
import { defineAction } from "@/lib/ui/action.ts";
import { createUser, setUserActive, setUserRoles } from "./mutations.ts";
import { createUserSchema, setUserActiveSchema, setUserRolesSchema } from "./schema.ts";

export const createUserAction = defineAction({
  name: "users.create",
  permission: Permission.RIGHTS_MANAGE,
  schema: createUserSchema,
  async run(input, { actor, t }) {
    const user = await createUser(db(), actor, input);
    revalidatePath("/autorisaties/gebruikers");
    return {
      ok: true,
      message: user.generatedPassword
        ? t("users.createdWithPassword", { email: user.email, password: user.generatedPassword })
        : t("users.created", { email: user.email }),
    };
  },
});

export const setUserRolesAction = defineAction({
  name: "users.setRoles",
  permission: Permission.RIGHTS_MANAGE,
  schema: setUserRolesSchema,
  async run(input, { actor, t }) {
    const user = await setUserRoles(db(), actor, input);
    revalidatePath("/autorisaties/gebruikers");
    return { ok: true, message: t("users.rolesSaved", { email: user.email }) };
  },
});

export const setUserActiveAction = defineAction({
  name: "users.setActive",
  permission: Permission.RIGHTS_MANAGE,
  schema: setUserActiveSchema,
  async run(input, { actor, t }) {
    const user = await setUserActive(db(), actor, input);
    revalidatePath("/autorisaties/gebruikers");
    return { ok: true, message: t(input.active ? "users.activated" : "users.deactivated", { email: user.email }) };
  },
});
