import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { Tx } from "@/lib/db/client.ts";

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

/** Written inside the transaction of the change itself: no change without its audit entry. */
export async function recordAudit(
  tx: Tx,
  entry: {
    actor: Actor;
    action: string;
    entityType: string;
    entityId?: string | null;
    summary: string;
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      actorId: entry.actor.id,
      actorLabel: entry.actor.label,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      summary: entry.summary,
      before: toJson(entry.before),
      after: toJson(entry.after),
    },
  });
}

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value == null) return undefined;
  return JSON.parse(JSON.stringify(maskSecrets(value))) as Prisma.InputJsonValue;
}
