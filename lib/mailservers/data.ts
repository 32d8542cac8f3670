import "server-only";
import type { Db } from "@/lib/db/client.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { ProbeResult } from "./probe.ts";

/** Never selects passwordBox: what leaves this module may reach a page. */
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
  heloName: true,
  managedBy: true,
  maxRecipientsPerMessage: true,
  maxConnections: true,
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
    select: { ...PUBLIC_FIELDS, lastTestResult: true, passwordBox: true },
  });
  if (!server) return null;
  const { passwordBox, lastTestResult, ...rest } = server;
  return { ...rest, passwordStored: passwordBox !== null, lastTestResult: lastTestResult as ProbeResult | null };
}

export type ServerView = NonNullable<Awaited<ReturnType<typeof getServer>>>;
