import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import type { AuditParams } from "./describe.ts";
import { recordAudit, type Actor } from "./record.ts";
import type { AuditFilter } from "./schema.ts";

/**
 * An export is itself audited: who took which part of the trail. The filter is stored by name
 * (a user's address, a server's and a template's name), so the entry still reads when they are gone.
 */
export async function recordAuditExport(prisma: Db, actor: Actor, filter: AuditFilter): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const [user, server, template] = await Promise.all([
      filter.actor && filter.actor !== "system" ? tx.user.findUnique({ where: { id: filter.actor }, select: { email: true } }) : null,
      filter.serverId ? tx.mailServer.findUnique({ where: { id: filter.serverId }, select: { name: true } }) : null,
      filter.templateId ? tx.masterTemplate.findUnique({ where: { id: filter.templateId }, select: { name: true } }) : null,
    ]);
    const params: AuditParams["audit.export"] = {};
    if (filter.actor) params.actor = filter.actor === "system" ? "system" : (user?.email ?? filter.actor);
    if (filter.action) params.action = filter.action;
    if (filter.serverId) params.server = server?.name ?? filter.serverId;
    if (filter.templateId) params.template = template?.name ?? filter.templateId;
    if (filter.from) params.fromDate = filter.from;
    if (filter.to) params.toDate = filter.to;
    await recordAudit(tx, { actor, action: "audit.export", params, entityType: "AuditEntry", serverId: filter.serverId ?? null });
  });
}

/** For the export's route handler, which has no database client of its own. */
export function saveAuditExport(actor: Actor, filter: AuditFilter): Promise<void> {
  return recordAuditExport(db(), actor, filter);
}
