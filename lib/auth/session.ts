import "server-only";
import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { db } from "@/lib/db/client.ts";
import type { Actor } from "@/lib/audit/record.ts";
import { authOptions } from "./options.ts";
import { loadCurrentUser, type CurrentUser } from "./users.ts";
import type { Permission } from "./permissions.ts";

/**
 * The signed-in user with their effective rights, read from the database once per request.
 * Returns null without a valid session or when the account has been deactivated.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await getServerSession(authOptions);
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  return loadCurrentUser(db(), id);
});

/** For pages and layouts: sign-in page without a session, 403 page without the right. */
export async function requirePagePermission(permission?: Permission): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (permission && !user.permissions.has(permission)) forbidden();
  return user;
}

export function actorOf(user: CurrentUser): Actor {
  return { id: user.id, label: user.email };
}
