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
