import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

export function listApiKeys(prisma: Db) {
  return prisma.apiKey.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    select: {
      id: true,
      name: true,
      prefix: true,
      createdAt: true,
      lastUsedAt: true,
      revokedAt: true,
      createdBy: { select: { email: true } },
    },
  });
}

/** The API keys page's read (pages never touch the database client themselves). */
export function loadApiKeys() {
  return listApiKeys(db());
}
