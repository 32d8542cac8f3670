import "server-only";
import type { NextAuthOptions } from "next-auth";
import { encode } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@/lib/db/client.ts";
import { createAuthLogger } from "./auth-log.ts";
import { CLIENT_ADDRESS_HEADER } from "./client-address.ts";
import { signInWithPassword } from "./credentials.ts";
import { checkSession, newSessionClaims, remainingSeconds, revokeSession, sessionClaimsOf, SESSION_MAX_AGE_SECONDS, sessionEndsAt } from "./session-token.ts";

/** Set by lib/auth/client-address-header.ts from the socket (and TRUSTED_PROXIES), never by the client. */
function clientAddress(headers: Record<string, unknown> | undefined): string | null {
  const address = headers?.[CLIENT_ADDRESS_HEADER];
  return typeof address === "string" && address ? address : null;
}

/**
 * next-auth with e-mail + password. Sessions are signed, encrypted JWTs that end 8 hours after
 * sign-in at the latest, or at sign-out (lib/auth/session-token.ts); every request still
 * re-reads the user and their rights from the database (lib/auth/session.ts), so deactivating
 * a user or taking a right away takes effect at once.
 */
export const authOptions: NextAuthOptions = {
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
  jwt: {
    // A re-issued token never outlives the session's absolute end.
    encode: (params) => encode({ ...params, maxAge: remainingSeconds(params.token) ?? params.maxAge }),
  },
  pages: { signIn: "/login", error: "/login" },
  logger: createAuthLogger(),
  providers: [
    CredentialsProvider({
      name: "password",
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, request) {
        const email = typeof credentials?.email === "string" ? credentials.email.slice(0, 320) : "";
        const password = typeof credentials?.password === "string" ? credentials.password.slice(0, 1024) : "";
        const result = await signInWithPassword(db(), {
          email,
          password,
          clientAddress: clientAddress(request?.headers),
        });
        if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name };
        // next-auth passes a thrown message to the sign-in page as `error`.
        if (result.reason === "throttled") throw new Error(`throttled:${result.retryAfterSeconds}`);
        return null;
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) return { ...token, ...newSessionClaims(user.id) };
      await checkSession(db(), token);
      return token;
    },
    session({ session, token }) {
      const claims = sessionClaimsOf(token);
      if (session.user && claims) (session.user as { id?: string }).id = claims.sub;
      if (claims) session.expires = new Date(sessionEndsAt(claims) * 1000).toISOString();
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      await revokeSession(db(), token);
    },
  },
};
