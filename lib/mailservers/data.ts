import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { ProbeResult } from "./probe.ts";

/** Never selects passwordBox or oauthSecretBox: what leaves this module may reach a page. */
const PUBLIC_FIELDS = {
  id: true,
  name: true,
  type: true,
  region: true,
  host: true,
  port: true,
  tlsMode: true,
  verifyCertificate: true,
  authMethod: true,
  username: true,
  oauthTenantId: true,
  oauthClientId: true,
  oauthSecretExpiresAt: true,
  heloName: true,
  managedBy: true,
  maxRecipientsPerMessage: true,
  maxConnections: true,
  insecureAcknowledgedAt: true,
  lastTestAt: true,
  lastTestOk: true,
  createdAt: true,
  updatedAt: true,
  limits: { select: { count: true, window: true, windowSize: true, unit: true }, orderBy: [{ unit: "asc" }, { window: "asc" }] },
} satisfies Prisma.MailServerSelect;

export async function listServers(prisma: Db) {
  return prisma.mailServer.findMany({
    orderBy: { name: "asc" },
    select: { ...PUBLIC_FIELDS, pausedAt: true, _count: { select: { senders: true } } },
  });
}

export async function getServer(prisma: Db, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const server = await prisma.mailServer.findUnique({
    where: { id },
    select: { ...PUBLIC_FIELDS, lastTestResult: true, passwordBox: true, oauthSecretBox: true },
  });
  if (!server) return null;
  const { passwordBox, oauthSecretBox, lastTestResult, ...rest } = server;
  return {
    ...rest,
    passwordStored: passwordBox !== null,
    oauthSecretStored: oauthSecretBox !== null,
    oauthSecretExpiry: rest.authMethod === "OAUTH2" ? secretExpiry(rest.oauthSecretExpiresAt) : null,
    lastTestResult: lastTestResult as ProbeResult | null,
  };
}

/** From this many days before a client secret expires, the server page warns. */
export const SECRET_EXPIRY_WARNING_DAYS = 30;

/**
 * Whether the server page should warn about the client secret: "soon" within 30 days (days
 * left, rounded up), "expired" from the expiry date on. Null when there is nothing to say.
 */
export function secretExpiry(expiresAt: Date | null, now = new Date()): { state: "soon" | "expired"; days: number; expiresAt: Date } | null {
  if (!expiresAt) return null;
  const days = Math.ceil((expiresAt.getTime() - now.getTime()) / 86_400_000);
  if (days <= 0) return { state: "expired", days: 0, expiresAt };
  return days <= SECRET_EXPIRY_WARNING_DAYS ? { state: "soon", days, expiresAt } : null;
}

export type ServerView = NonNullable<Awaited<ReturnType<typeof getServer>>>;

// Reads for pages, on this process's client: pages never touch the database client themselves.

export function loadServers() {
  return listServers(db());
}

export function loadServer(id: string) {
  return getServer(db(), id);
}
