import type { Db } from "@/lib/db/client.ts";
import { effectivePermissions, type Permission } from "./permissions.ts";

export type CurrentUser = {
  id: string;
  email: string;
  name: string;
  permissions: Set<Permission>;
};

/** The one place that turns a user id into rights; pages, actions and handlers all use it. */
export async function loadCurrentUser(prisma: Pick<Db, "user">, userId: string): Promise<CurrentUser | null> {
  const user = await prisma.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      active: true,
      roles: { select: { role: { select: { permissions: { select: { permission: true } } } } } },
    },
  });
  if (!user || !user.active) return null;
  const granted = user.roles.flatMap((r) => r.role.permissions.map((p) => p.permission));
  return { id: user.id, email: user.email, name: user.name, permissions: effectivePermissions(granted) };
}
