import { z } from "zod";
import { ALL_PERMISSIONS } from "@/lib/auth/permissions.ts";
import { list, text, uuid } from "@/lib/ui/fields.ts";

const permission = z.enum(ALL_PERMISSIONS as [string, ...string[]]);

/** One checkbox per role × permission, value "roleId:PERMISSION". */
export const matrixSchema = z.object({
  roles: list(uuid),
  grant: list(
    z
      .string()
      .regex(/^[0-9a-f-]{36}:[A-Z_]+$/)
      .transform((value) => {
        const [roleId, perm] = value.split(":") as [string, string];
        return { roleId, permission: perm };
      })
      .pipe(z.object({ roleId: uuid, permission })),
  ),
});

export const createRoleSchema = z.object({ name: text(60) });
