import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

/**
 * Where the administrator stands in the source article's three steps: (1) a mail server added
 * and its connection tested, (2) a sender added and verified, (3) a verified sender linked to an
 * e-mail master template. Each step names the thing to continue with, for the guide's links.
 */
export async function firstRunProgress(prisma: Db) {
  const [testedServer, anyServer, verifiedSender, pendingSender, linkedTemplate] = await Promise.all([
    prisma.mailServer.findFirst({ where: { lastTestOk: true }, orderBy: { createdAt: "asc" }, select: { id: true } }),
    prisma.mailServer.findFirst({ orderBy: { createdAt: "asc" }, select: { id: true } }),
    prisma.sender.findFirst({ where: { state: "VERIFIED" }, orderBy: { createdAt: "asc" }, select: { id: true } }),
    prisma.sender.findFirst({ where: { state: { not: "VERIFIED" } }, orderBy: { createdAt: "desc" }, select: { id: true, serverId: true } }),
    prisma.masterTemplate.findFirst({ where: { sender: { state: "VERIFIED" } }, select: { id: true } }),
  ]);
  return {
    server: { done: testedServer !== null, serverId: (testedServer ?? anyServer)?.id ?? null },
    sender: { done: verifiedSender !== null, pending: pendingSender },
    template: { done: linkedTemplate !== null },
  };
}

export type FirstRunProgress = Awaited<ReturnType<typeof firstRunProgress>>;

export function loadFirstRunProgress() {
  return firstRunProgress(db());
}
