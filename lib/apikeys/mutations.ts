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
  const result = await prisma.$transaction(async (tx) => {
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
  // This process stops trusting the key at once; other web processes within VERIFIED_KEY_TTL_MS.
  forgetVerifiedKey(input.id);
  return result;
}

/** The stored hash of the key in a `Bearer` Authorization header, or null for any other header. */
function bearerKeyHash(authorization: string | null): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match ? hashApiKey(match[1]!) : null;
}

async function activeKeyByHash(prisma: Db, keyHash: string) {
  const key = await prisma.apiKey.findUnique({ where: { keyHash } });
  if (!key || key.revokedAt) return null;
  return key;
}

/** For the submission API: the active key matching a Bearer token, or null. */
export async function authenticateApiKey(prisma: Db, authorization: string | null) {
  const keyHash = bearerKeyHash(authorization);
  return keyHash ? activeKeyByHash(prisma, keyHash) : null;
}

const API_KEY_USE_RESOLUTION_MS = 60_000;

/**
 * Keeps ApiKey.lastUsedAt roughly current without a write per request: at most once a minute,
 * and the condition in the UPDATE keeps concurrent requests from writing it more than once.
 * Returns whether a note was due.
 */
export async function noteApiKeyUse(prisma: Db, key: { id: string; lastUsedAt: Date | null }, now = new Date()): Promise<boolean> {
  const threshold = new Date(now.getTime() - API_KEY_USE_RESOLUTION_MS);
  if (key.lastUsedAt && key.lastUsedAt > threshold) return false;
  await prisma.apiKey.updateMany({
    where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] },
    data: { lastUsedAt: now },
  });
  return true;
}

type ActiveApiKey = NonNullable<Awaited<ReturnType<typeof activeKeyByHash>>>;

async function noted(prisma: Db, apiKey: ActiveApiKey): Promise<ActiveApiKey> {
  const now = new Date();
  try {
    // A remembered key carries the time it was noted, so the rest of the minute skips the write.
    if (await noteApiKeyUse(prisma, apiKey, now)) apiKey.lastUsedAt = now;
  } catch (error) {
    logger.warn("could not note API key use", { apiKeyId: apiKey.id, error });
  }
  return apiKey;
}

/**
 * The submission API's check, for every route under /api/v1: the active key behind the request's
 * Authorization header, its use noted (a failure to note it is logged, never refused), or null.
 */
export async function authenticateApiCall(authorization: string | null) {
  const prisma = db();
  const apiKey = await authenticateApiKey(prisma, authorization);
  return apiKey ? noted(prisma, apiKey) : null;
}

/**
 * How long a process trusts a key it found active without asking the database again. Only
 * callers that check the key again where they write may use it (submitMessage does, in the
 * statement that reads the template), so a revoked key never writes; within this time it can
 * at most still be told that its request was invalid.
 */
const VERIFIED_KEY_TTL_MS = 30_000;

// On globalThis: Next.js may load this module once per bundle, and a revocation in the
// administration's bundle must reach the API's copy of the cache.
const globalForKeys = globalThis as typeof globalThis & { postkamerVerifiedKeys?: Map<string, { apiKey: ActiveApiKey; until: number }> };
const verifiedKeys = (globalForKeys.postkamerVerifiedKeys ??= new Map());

/**
 * authenticateApiCall for `POST /api/v1/messages`, without a database round trip per request:
 * a key found active is remembered for VERIFIED_KEY_TTL_MS under its SHA-256 (never the key
 * itself; unknown keys are not remembered). The write re-checks the key in its transaction.
 */
export async function authenticateSubmission(authorization: string | null) {
  const keyHash = bearerKeyHash(authorization);
  if (!keyHash) return null;
  const prisma = db();
  const known = verifiedKeys.get(keyHash);
  if (known && known.until > Date.now()) return noted(prisma, known.apiKey);
  const apiKey = await activeKeyByHash(prisma, keyHash);
  if (!apiKey) {
    verifiedKeys.delete(keyHash);
    return null;
  }
  verifiedKeys.set(keyHash, { apiKey, until: Date.now() + VERIFIED_KEY_TTL_MS });
  return noted(prisma, apiKey);
}

/** Drops a key from this process's verified keys: on revocation, and when a write found it inactive. */
export function forgetVerifiedKey(id: string): void {
  for (const [keyHash, { apiKey }] of verifiedKeys) if (apiKey.id === id) verifiedKeys.delete(keyHash);
}
