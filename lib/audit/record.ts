import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { Tx } from "@/lib/db/client.ts";
import { translator } from "@/lib/i18n/translate.ts";
import { describeAction, type AuditAction, type AuditParams } from "./describe.ts";

/** Who made a change; `clientAddress` is where the request came from (null for the system and jobs). */
export type Actor = { id: string | null; label: string; clientAddress?: string | null };

export const SYSTEM_ACTOR: Actor = { id: null, label: "systeem" };

const SECRET_FIELD = /(password|secret|token|key(hash)?|credential|code)$/i;

/** Replaces values of secret-looking fields so that no secret can reach the audit trail. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? (v == null ? v : "••••") : maskSecrets(v)]));
  }
  return value;
}

/**
 * Written inside the transaction of the change itself: no change without its audit entry. The
 * entry keeps the action's code and the values of its sentence (`params`, secrets masked like
 * `before`/`after`); the audit page translates them. `summary` gets the Dutch sentence from the
 * catalog, for readers of the table and for a previous version of the app during an upgrade.
 */
export async function recordAudit<A extends AuditAction>(
  tx: Tx,
  entry: {
    actor: Actor;
    action: A;
    params: AuditParams[A];
    entityType: string;
    entityId?: string | null;
    /** The mail server the entry also concerns (a sender's server, a template's new route). */
    serverId?: string | null;
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  const params = maskSecrets(entry.params) as AuditParams[A];
  const entityId = entry.entityId ?? null;
  await tx.auditEntry.create({
    data: {
      actorId: entry.actor.id,
      actorLabel: entry.actor.label,
      clientAddress: entry.actor.clientAddress ?? null,
      action: entry.action,
      entityType: entry.entityType,
      entityId,
      serverId: entry.serverId ?? (entry.entityType === "MailServer" ? uuidOrNull(entityId) : null),
      templateId: entry.entityType === "MasterTemplate" ? uuidOrNull(entityId) : null,
      summary: describeAction(entry.action, params, dutch, "nl"),
      params: toJson(params),
      before: toJson(entry.before),
      after: toJson(entry.after),
    },
  });
}

const dutch = translator("nl");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The filter columns are uuids; an entity id that is not one (a test's, an old one's) only loses the filter, never the change. */
function uuidOrNull(id: string | null): string | null {
  return id !== null && UUID.test(id) ? id : null;
}

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value == null) return undefined;
  return JSON.parse(JSON.stringify(maskSecrets(value))) as Prisma.InputJsonValue;
}
