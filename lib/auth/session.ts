import "server-only";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { db } from "@/lib/db/client.ts";
import type { Actor } from "@/lib/audit/record.ts";
import { CLIENT_ADDRESS_HEADER } from "./client-address.ts";
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

/** The user as the audit trail names them, with the address of this request (set from the socket by client-address-header.ts). */
export async function actorOf(user: CurrentUser): Promise<Actor> {
  const clientAddress = (await headers()).get(CLIENT_ADDRESS_HEADER);
  return { id: user.id, label: user.email, clientAddress };
}
