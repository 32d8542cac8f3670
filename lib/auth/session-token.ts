import { randomBytes } from "node:crypto";
import type { JWT } from "next-auth/jwt";
import type { Db } from "@/lib/db/client.ts";

/**
 * Session tokens are signed, encrypted JWTs in a cookie (next-auth). Their signature alone would
 * keep a copied cookie working after sign-out, and every `GET /api/auth/session` re-issues the
 * token for another maxAge, so three claims bound it (ASVS 7.3.2, 7.4.1):
 * - `sid`, random per sign-in and kept across re-issues: signing out lists it in RevokedSession;
 * - `authTime`, the sign-in time: SESSION_MAX_AGE_SECONDS after it the session is over, however
 *   often it was renewed (an absolute lifetime, not an idle one);
 * - `sub`, the user, who must still be active and must not have had the password reset since.
 * `checkSession` runs on every read of the session (each page, action, `/api/auth/session`).
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export type SessionClaims = { sub: string; sid: string; authTime: number };

export type SessionEndReason = "malformed" | "expired" | "signedOut" | "inactive";

/** Thrown from the jwt callback: next-auth then answers "no session" and clears the cookie. */
export class SessionEnded extends Error {
  constructor(readonly reason: SessionEndReason) {
    super(`session ended (${reason})`);
    this.name = "SessionEnded";
  }
}

export function newSessionClaims(userId: string, now = Date.now()): SessionClaims {
  return { sub: userId, sid: randomBytes(18).toString("base64url"), authTime: Math.floor(now / 1000) };
}

export function sessionClaimsOf(token: JWT | null | undefined): SessionClaims | null {
  const { sub, sid, authTime } = (token ?? {}) as Partial<Record<string, unknown>>;
  if (typeof sub !== "string" || typeof sid !== "string" || typeof authTime !== "number" || !Number.isFinite(authTime)) return null;
  return { sub, sid, authTime };
}

/** When the session ends at the latest, in seconds since the epoch. */
export function sessionEndsAt(claims: SessionClaims): number {
  return claims.authTime + SESSION_MAX_AGE_SECONDS;
}

/** Seconds a re-issued token may still live: never past the absolute end. */
export function remainingSeconds(token: JWT | null | undefined, now = Date.now()): number | null {
  const claims = sessionClaimsOf(token);
  return claims ? Math.max(0, sessionEndsAt(claims) - Math.floor(now / 1000)) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws SessionEnded unless the token still stands for a live session. */
export async function checkSession(prisma: Db, token: JWT | null | undefined, now = Date.now()): Promise<SessionClaims> {
  const claims = sessionClaimsOf(token);
  // Tokens from before these claims existed end here too: their holders sign in once more.
  if (!claims || !UUID.test(claims.sub)) throw new SessionEnded("malformed");
  if (now >= sessionEndsAt(claims) * 1000) throw new SessionEnded("expired");
  const [row] = await prisma.$queryRaw<{ active: boolean; revoked: boolean }[]>`
    SELECT u.active,
           EXISTS (SELECT 1 FROM "RevokedSession" r WHERE r.sid = ${claims.sid})
             OR u."passwordChangedAt" > to_timestamp(${claims.authTime}) AS revoked
      FROM "User" u WHERE u.id = ${claims.sub}::uuid`;
  if (!row || !row.active) throw new SessionEnded("inactive");
  if (row.revoked) throw new SessionEnded("signedOut");
  return claims;
}

/** Sign-out: the token, and every copy of it, stops working now. */
export async function revokeSession(prisma: Db, token: JWT | null | undefined): Promise<boolean> {
  const claims = sessionClaimsOf(token);
  if (!claims || !UUID.test(claims.sub)) return false;
  await prisma.$executeRaw`
    INSERT INTO "RevokedSession" ("sid", "userId", "expiresAt")
    VALUES (${claims.sid}, ${claims.sub}::uuid, ${new Date(sessionEndsAt(claims) * 1000)})
    ON CONFLICT ("sid") DO NOTHING`;
  return true;
}

/** Revocations of sessions that have ended anyway. */
export async function pruneRevokedSessions(prisma: Db, now = new Date()): Promise<number> {
  const { count } = await prisma.revokedSession.deleteMany({ where: { expiresAt: { lt: now } } });
  return count;
}
