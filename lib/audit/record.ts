import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { Tx } from "@/lib/db/client.ts";
import { catalog, translator } from "@/lib/i18n/translate.ts";
import { describeAction, type AuditAction, type AuditParams } from "./describe.ts";

export type Actor = { id: string | null; label: string };

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
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  const params = maskSecrets(entry.params) as AuditParams[A];
  await tx.auditEntry.create({
    data: {
      actorId: entry.actor.id,
      actorLabel: entry.actor.label,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      summary: describeAction(entry.action, params, dutch, "nl"),
      params: toJson(params),
      before: toJson(entry.before),
      after: toJson(entry.after),
    },
  });
}

const dutch = translator(catalog("nl"));

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value == null) return undefined;
  return JSON.parse(JSON.stringify(maskSecrets(value))) as Prisma.InputJsonValue;
}
