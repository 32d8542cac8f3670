import type { Db, Tx } from "@/lib/db/client.ts";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { loadCurrentUser } from "@/lib/auth/users.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { UserError } from "@/lib/ui/errors.ts";

type Grant = { roleId: string; permission: Permission };

/**
 * Replaces the permissions of the given roles with exactly the granted ones. Roles not listed
 * are left alone, so a form that was opened before another role was added cannot wipe it.
 */
export async function saveRoleMatrix(prisma: Db, actor: Actor, input: { roles: string[]; grant: Grant[] }) {
  await prisma.$transaction(async (tx) => {
    const roles = await tx.role.findMany({
      where: { id: { in: input.roles } },
      include: { permissions: true },
    });
    if (roles.length !== new Set(input.roles).size) throw new UserError("rights.unknownRole", {}, undefined, 404);
    for (const role of roles) {
      const before = role.permissions.map((p) => p.permission).sort();
      const after = [...new Set(input.grant.filter((g) => g.roleId === role.id).map((g) => g.permission))].sort();
      if (before.join() === after.join()) continue;
      await tx.rolePermission.deleteMany({ where: { roleId: role.id } });
      await tx.rolePermission.createMany({ data: after.map((permission) => ({ roleId: role.id, permission })) });
      await recordAudit(tx, {
        actor,
        action: "role.permissions.update",
        entityType: "Role",
        entityId: role.id,
        params: { name: role.name },
        before: { permissions: before },
        after: { permissions: after },
      });
    }
    await assertActorKeepsRightsManagement(tx, actor);
  });
}

export async function createRole(prisma: Db, actor: Actor, input: { name: string }) {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.role.findFirst({ where: { name: { equals: input.name, mode: "insensitive" } } });
    if (existing) throw new UserError("rights.roleExists", {}, "name");
    const role = await tx.role.create({ data: { name: input.name } });
    await recordAudit(tx, {
      actor,
      action: "role.create",
      entityType: "Role",
      entityId: role.id,
      params: { name: role.name },
      after: { name: role.name },
    });
    return role;
  });
}

/** "You cannot remove your own last administrator right" (issue 2): checked after the change, in its transaction. */
export async function assertActorKeepsRightsManagement(tx: Tx, actor: Actor) {
  if (!actor.id) return;
  const me = await loadCurrentUser(tx, actor.id);
  if (!me?.permissions.has(Permission.RIGHTS_MANAGE)) throw new UserError("rights.lastAdmin");
}
