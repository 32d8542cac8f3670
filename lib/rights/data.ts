import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import type { Permission } from "@/lib/auth/permissions.ts";

export type RoleRow = { id: string; name: string; builtIn: boolean; permissions: Permission[]; userCount: number };

export async function listRoles(prisma: Db): Promise<RoleRow[]> {
  const roles = await prisma.role.findMany({
    orderBy: [{ builtIn: "desc" }, { name: "asc" }],
    select: { id: true, name: true, builtIn: true, permissions: { select: { permission: true } }, _count: { select: { users: true } } },
  });
  return roles.map((role) => ({
    id: role.id,
    name: role.name,
    builtIn: role.builtIn,
    permissions: role.permissions.map((p) => p.permission),
    userCount: role._count.users,
  }));
}

/** The rights and users pages' read (pages never touch the database client themselves). */
export function loadRoles(): Promise<RoleRow[]> {
  return listRoles(db());
}

export type RightsGranters = { roles: string[]; users: string[] };

/**
 * Who can give someone a right, for the 403 page: the roles holding "Autorisaties beheren" that
 * have an active user, and those users' names (the page decides whether the reader may see them).
 */
export async function loadRightsGranters(): Promise<RightsGranters> {
  const roles = await db().role.findMany({
    where: { permissions: { some: { permission: "RIGHTS_MANAGE" } } },
    orderBy: { name: "asc" },
    select: { name: true, users: { where: { user: { active: true } }, select: { user: { select: { name: true } } } } },
  });
  const staffed = roles.filter((role) => role.users.length > 0);
  const users = [...new Set(staffed.flatMap((role) => role.users.map((link) => link.user.name)))].sort((a, b) => a.localeCompare(b, "nl"));
  return { roles: staffed.map((role) => role.name), users };
}
