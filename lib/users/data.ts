import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

export async function listUsers(prisma: Db) {
  const users = await prisma.user.findMany({
    orderBy: { email: "asc" },
    select: {
      id: true,
      email: true,
      name: true,
      active: true,
      lastLoginAt: true,
      roles: { select: { roleId: true } },
    },
  });
  return users.map((user) => ({ ...user, roleIds: user.roles.map((r) => r.roleId) }));
}

/** The users page's read (pages never touch the database client themselves). */
export function loadUsers() {
  return listUsers(db());
}
