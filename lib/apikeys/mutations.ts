import { db, type Db } from "@/lib/db/client.ts";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { logger } from "@/lib/log/logger.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { generateApiKey, hashApiKey } from "./keys.ts";

/** Returns the key itself exactly once; only its hash is stored. */
export async function createApiKey(prisma: Db, actor: Actor, input: { name: string }) {
  const { key, prefix, keyHash } = generateApiKey();
  const record = await prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: { name: input.name, prefix, keyHash, createdById: actor.id },
    });
    await recordAudit(tx, {
      actor,
      action: "apikey.create",
      entityType: "ApiKey",
      entityId: created.id,
      params: { name: created.name },
      after: { name: created.name, prefix },
    });
    return created;
  });
  return { key, id: record.id, name: record.name };
}

export async function revokeApiKey(prisma: Db, actor: Actor, input: { id: string }) {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { id: input.id } });
    if (!existing) throw new UserError("apiKeys.unknown", {}, undefined, 404);
    if (existing.revokedAt) return existing;
    const revoked = await tx.apiKey.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "apikey.revoke",
      entityType: "ApiKey",
      entityId: existing.id,
      params: { name: existing.name },
      before: { revokedAt: null },
      after: { revokedAt: revoked.revokedAt },
    });
    return revoked;
  });
}

/** For the submission API: the active key matching a Bearer token, or null. */
export async function authenticateApiKey(prisma: Db, authorization: string | null) {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return null;
  const key = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(match[1]!) } });
  if (!key || key.revokedAt) return null;
  return key;
}

const API_KEY_USE_RESOLUTION_MS = 60_000;

/**
 * Keeps ApiKey.lastUsedAt roughly current without a write per request: at most once a minute,
 * and the condition in the UPDATE keeps concurrent requests from writing it more than once.
 */
export async function noteApiKeyUse(prisma: Db, key: { id: string; lastUsedAt: Date | null }, now = new Date()): Promise<void> {
  const threshold = new Date(now.getTime() - API_KEY_USE_RESOLUTION_MS);
  if (key.lastUsedAt && key.lastUsedAt > threshold) return;
  await prisma.apiKey.updateMany({
    where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] },
    data: { lastUsedAt: now },
  });
}

/**
 * The submission API's check, for every route under /api/v1: the active key behind the request's
 * Authorization header, its use noted (a failure to note it is logged, never refused), or null.
 */
export async function authenticateApiCall(authorization: string | null) {
  const prisma = db();
  const apiKey = await authenticateApiKey(prisma, authorization);
  if (!apiKey) return null;
  await noteApiKeyUse(prisma, apiKey).catch((error: unknown) => logger.warn("could not note API key use", { apiKeyId: apiKey.id, error }));
  return apiKey;
}
