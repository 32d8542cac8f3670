import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { db, type Db } from "@/lib/db/client.ts";
import { actionsOf, endOfDutchDay, startOfDutchDay, type AuditCursor, type AuditFilter } from "./schema.ts";

export const AUDIT_PAGE_SIZE = 50;
/** Rows per query of the CSV export: the export holds one batch in memory at a time. */
export const AUDIT_EXPORT_BATCH = 1000;

const ORDER: Prisma.AuditEntryOrderByWithRelationInput[] = [{ at: "desc" }, { id: "desc" }];

/** The filter as a where clause; each part has an index that also orders by (at, id). */
export function auditWhere(filter: AuditFilter): Prisma.AuditEntryWhereInput[] {
  const where: Prisma.AuditEntryWhereInput[] = [];
  if (filter.actor) where.push({ actorId: filter.actor === "system" ? null : filter.actor });
  if (filter.action) where.push({ action: { in: actionsOf(filter.action) } });
  if (filter.serverId) where.push({ serverId: filter.serverId });
  if (filter.templateId) where.push({ templateId: filter.templateId });
  if (filter.from) where.push({ at: { gte: startOfDutchDay(filter.from) } });
  if (filter.to) where.push({ at: { lt: endOfDutchDay(filter.to) } });
  return where;
}

/**
 * After the cursor, newest first. `at <= c.at` bounds the index scan; the OR takes the rest of
 * that same millisecond by id, so no entry is skipped or shown twice (no OFFSET: a page costs
 * the same at any depth).
 */
function afterCursor(cursor: AuditCursor): Prisma.AuditEntryWhereInput[] {
  return [{ at: { lte: cursor.at } }, { OR: [{ at: { lt: cursor.at } }, { id: { lt: cursor.id } }] }];
}

export async function listAuditEntries(prisma: Db, options: { filter?: AuditFilter; cursor?: AuditCursor | null; take?: number } = {}) {
  const take = options.take ?? AUDIT_PAGE_SIZE;
  const rows = await prisma.auditEntry.findMany({
    where: { AND: [...auditWhere(options.filter ?? {}), ...(options.cursor ? afterCursor(options.cursor) : [])] },
    orderBy: ORDER,
    take: take + 1,
  });
  const hasMore = rows.length > take;
  const entries = rows.slice(0, take);
  const last = entries.at(-1);
  return { entries, nextCursor: hasMore && last ? ({ at: last.at, id: last.id } satisfies AuditCursor) : null };
}

export type AuditEntryRow = Awaited<ReturnType<typeof listAuditEntries>>["entries"][number];

/** Every entry of a filter, batch after batch (keyset): only one batch is read ahead of the reader. */
export async function* auditEntryBatches(prisma: Db, filter: AuditFilter, batchSize = AUDIT_EXPORT_BATCH): AsyncGenerator<AuditEntryRow[]> {
  let cursor: AuditCursor | null = null;
  for (;;) {
    const { entries, nextCursor } = await listAuditEntries(prisma, { filter, cursor, take: batchSize });
    if (entries.length > 0) yield entries;
    if (!nextCursor) return;
    cursor = nextCursor;
  }
}

/** The choices of the filter form: people, servers and templates by name. */
export async function listAuditFilterOptions(prisma: Db) {
  const [users, servers, templates] = await Promise.all([
    prisma.user.findMany({ select: { id: true, email: true }, orderBy: { email: "asc" } }),
    prisma.mailServer.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
    prisma.masterTemplate.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return { users, servers, templates };
}

export type AuditFilterOptions = Awaited<ReturnType<typeof listAuditFilterOptions>>;

/** The audit page's reads (pages never touch the database client themselves). */
export function loadAuditEntries(filter: AuditFilter, cursor: AuditCursor | null) {
  return listAuditEntries(db(), { filter, cursor });
}

export function loadAuditFilterOptions() {
  return listAuditFilterOptions(db());
}

/** The export's rows, read as the response is streamed. */
export function loadAuditEntryBatches(filter: AuditFilter) {
  return auditEntryBatches(db(), filter);
}
