import "server-only";
import { db, type Db } from "@/lib/db/client.ts";

export const AUDIT_PAGE_SIZE = 50;

/** Newest first, keyset-paged on the id so a page costs the same at any depth. */
export async function listAuditEntries(prisma: Db, options: { before?: bigint } = {}) {
  const rows = await prisma.auditEntry.findMany({
    where: options.before ? { id: { lt: options.before } } : undefined,
    orderBy: { id: "desc" },
    take: AUDIT_PAGE_SIZE + 1,
  });
  const hasMore = rows.length > AUDIT_PAGE_SIZE;
  const entries = rows.slice(0, AUDIT_PAGE_SIZE);
  return { entries, nextCursor: hasMore ? entries.at(-1)!.id : null };
}

/** The audit page's read (pages never touch the database client themselves). */
export function loadAuditEntries(before?: bigint) {
  return listAuditEntries(db(), { before });
}
