import type { Db } from "@/lib/db/client.ts";
import { clearFailures, recordFailure, remainingBlockMs, throttleKeys } from "./login-throttle.ts";
import { dummyPasswordHash, verifyPassword } from "./password.ts";

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Checks an e-mail + password. "invalid" is the one answer for an unknown address, a wrong
 * password and a deactivated account, so the answer never tells whether an account exists.
 */
export async function signInWithPassword(prisma: Db, input: { email: string; password: string; clientAddress: string | null }): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const keys = throttleKeys(email, input.clientAddress);
  const wait = await remainingBlockMs(prisma, keys);
  if (wait > 0) return { ok: false, reason: "throttled", retryAfterSeconds: Math.ceil(wait / 1000) };

  const user = await prisma.user.findUnique({ where: { email } });
  const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
  if (!user || !valid || !user.active) {
    await recordFailure(prisma, keys);
    return { ok: false, reason: "invalid" };
  }
  await clearFailures(prisma, email);
  await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
