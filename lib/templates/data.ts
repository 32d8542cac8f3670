import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

export async function listTemplates(prisma: Db) {
  return prisma.masterTemplate.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, key: true, carries: true, server: { select: { name: true } }, privacyConsentAt: true },
  });
}

export async function getTemplate(prisma: Db, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return prisma.masterTemplate.findUnique({
    where: { id },
    include: {
      server: { select: { id: true, name: true, managedBy: true } },
      sender: { select: { id: true, displayName: true, address: true, state: true } },
    },
  });
}

/** What the route form offers: every server with only its verified senders. */
export async function routeOptions(prisma: Db) {
  const servers = await prisma.mailServer.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      managedBy: true,
      senders: { where: { state: "VERIFIED" }, orderBy: { address: "asc" }, select: { id: true, displayName: true, address: true } },
    },
  });
  return servers;
}

export type RouteOptions = Awaited<ReturnType<typeof routeOptions>>;

// Reads for pages, on this process's client: pages never touch the database client themselves.

export function loadTemplates() {
  return listTemplates(db());
}

export function loadTemplate(id: string) {
  return getTemplate(db(), id);
}

export function loadRouteOptions() {
  return routeOptions(db());
}
