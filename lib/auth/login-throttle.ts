import type { Db } from "@/lib/db/client.ts";
import { throttleClientKey } from "./client-address.ts";

/**
 * Slows down password guessing per e-mail address and per client address. The first few
 * failures are free; after that each further failure doubles the wait (2 s, 4 s, … up to
 * 15 minutes). Attempts during the wait are refused without checking the password, with the
 * same answer whether or not the account exists, and write nothing: a client that keeps
 * trying adds no rows while it waits, so what one client can create is bounded by its free
 * failures plus one row per wait it sits out (ASVS 6.3.1).
 *
 * The client address comes from the socket (lib/auth/client-address.ts), so a forged
 * X-Forwarded-For no longer gives every try a fresh client; an IPv6 client counts per /64.
 * A client gets more free failures than an account, since one address may be a whole office
 * behind NAT: guessing one account's password is stopped by the account's own count.
 */
export const FREE_FAILURES = 4;
export const FREE_CLIENT_FAILURES = 10;
const MAX_BLOCK_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;

export function throttleKeys(email: string, clientAddress: string | null): string[] {
  const keys = [`email:${email.trim().toLowerCase()}`];
  if (clientAddress) keys.push(`ip:${throttleClientKey(clientAddress)}`);
  return keys;
}

export function blockDurationMs(failures: number, freeFailures = FREE_FAILURES): number {
  if (failures <= freeFailures) return 0;
  return Math.min(MAX_BLOCK_MS, 1000 * 2 ** (failures - freeFailures));
}

const freeFailuresFor = (key: string) => (key.startsWith("ip:") ? FREE_CLIENT_FAILURES : FREE_FAILURES);

/** Milliseconds until another attempt is allowed, or 0. */
export async function remainingBlockMs(prisma: Db, keys: string[], now = new Date()): Promise<number> {
  const rows = await prisma.loginThrottle.findMany({ where: { key: { in: keys } } });
  let wait = 0;
  for (const row of rows) {
    if (row.blockedUntil && row.blockedUntil > now) wait = Math.max(wait, row.blockedUntil.getTime() - now.getTime());
  }
  return wait;
}

export async function recordFailure(prisma: Db, keys: string[], now = new Date()): Promise<void> {
  for (const key of keys) {
    // One statement so that concurrent failures both count.
    const [row] = await prisma.$queryRaw<{ failures: number }[]>`
      INSERT INTO "LoginThrottle" ("key", "failures", "lastFailedAt")
      VALUES (${key}, 1, ${now})
      ON CONFLICT ("key") DO UPDATE SET
        "failures" = CASE WHEN "LoginThrottle"."lastFailedAt" < ${new Date(now.getTime() - FORGET_AFTER_MS)}
                          THEN 1 ELSE "LoginThrottle"."failures" + 1 END,
        "lastFailedAt" = ${now}
      RETURNING "failures"`;
    const block = blockDurationMs(row?.failures ?? 0, freeFailuresFor(key));
    if (block > 0) {
      await prisma.loginThrottle.update({ where: { key }, data: { blockedUntil: new Date(now.getTime() + block) } });
    }
  }
}

export async function clearFailures(prisma: Db, email: string): Promise<void> {
  await prisma.loginThrottle.deleteMany({ where: { key: `email:${email.trim().toLowerCase()}` } });
}

export async function pruneLoginThrottles(prisma: Db, now = new Date()): Promise<number> {
  const { count } = await prisma.loginThrottle.deleteMany({
    where: { lastFailedAt: { lt: new Date(now.getTime() - FORGET_AFTER_MS) } },
  });
  return count;
}
