import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@/lib/db/client.ts";
import { signInWithPassword } from "./credentials.ts";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

function clientAddress(headers: Record<string, unknown> | undefined): string | null {
  const forwarded = headers?.["x-forwarded-for"];
  if (typeof forwarded === "string" && forwarded) return forwarded.split(",")[0]!.trim();
  const real = headers?.["x-real-ip"];
  return typeof real === "string" && real ? real : null;
}

/**
 * next-auth with e-mail + password. Sessions are signed JWTs that expire after 8 hours of
 * inactivity; every request still re-reads the user and their rights from the database
 * (lib/auth/session.ts), so deactivating a user or taking a right away takes effect at once.
 */
export const authOptions: NextAuthOptions = {
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
  pages: { signIn: "/login", error: "/login" },
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
    jwt({ token, user }) {
      if (user) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
