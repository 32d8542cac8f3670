import { createRequire } from "node:module";
import path from "node:path";
import { decode, encode } from "next-auth/jwt";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { authOptions } from "@/lib/auth/options.ts";
import { checkSession, pruneRevokedSessions, SESSION_MAX_AGE_SECONDS, SessionEnded } from "@/lib/auth/session-token.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Issue 14, item 3 (sign-out ends the session, an absolute lifetime holds) through next-auth's
 * own request handling, the code behind /api/auth/* and getServerSession; and item 7 (a forged
 * session cookie writes one log line, not a stack trace per request).
 */
const ADMIN = { email: "admin@example.test", password: "admin-password-123" };
const SESSION_COOKIE = "next-auth.session-token";
const secret = () => process.env.AUTH_SECRET!;
let adminId: string;

type Cookie = { name: string; value: string; options?: { expires?: Date; maxAge?: number } };
/** next-auth's internal request and response (next-auth/core, which the package does not export). */
type RequestInternal = {
  action: string;
  method?: string;
  origin?: string;
  providerId?: string;
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Record<string, string>;
};
type ResponseInternal = { body?: unknown; cookies?: Cookie[]; status?: number };

// next-auth's request handling without Next.js around it; the package does not export it by name.
const { AuthHandler } = createRequire(import.meta.url)(path.join(process.cwd(), "node_modules/next-auth/core/index.js")) as {
  AuthHandler: (params: { req: RequestInternal; options: typeof authOptions }) => Promise<ResponseInternal>;
};

async function handle(req: RequestInternal) {
  const response = await AuthHandler({ req: { origin: "http://localhost:3000", headers: { host: "localhost:3000" }, ...req }, options: authOptions });
  return { ...response, cookies: (response.cookies ?? []) as Cookie[] };
}

async function csrf(): Promise<{ token: string; cookie: string }> {
  const response = await handle({ action: "csrf", method: "GET" });
  const cookie = response.cookies.find((c) => c.name === "next-auth.csrf-token")!;
  return { token: (response.body as { csrfToken: string }).csrfToken, cookie: cookie.value };
}

async function signIn(): Promise<string> {
  const { token, cookie } = await csrf();
  const response = await handle({
    action: "callback",
    providerId: "credentials",
    method: "POST",
    cookies: { "next-auth.csrf-token": cookie },
    body: { csrfToken: token, email: ADMIN.email, password: ADMIN.password, json: "true" },
  });
  const session = response.cookies.find((c) => c.name === SESSION_COOKIE);
  expect(session?.value).toBeTruthy();
  return session!.value;
}

const readSession = (token: string) => handle({ action: "session", method: "GET", cookies: { [SESSION_COOKIE]: token } });

beforeAll(() => {
  process.env.NEXTAUTH_URL ??= "http://localhost:3000";
});

beforeEach(async () => {
  await resetDatabase();
  await seed(testDb(), { adminEmail: ADMIN.email, adminPassword: ADMIN.password });
  adminId = (await testDb().user.findUniqueOrThrow({ where: { email: ADMIN.email } })).id;
});

afterEach(() => vi.restoreAllMocks());

describe("sessions", () => {
  it("a copied session token stops working at sign-out, also for /api/auth/session", async () => {
    const token = await signIn();
    expect((await readSession(token)).body).toMatchObject({ user: { email: ADMIN.email, id: adminId } });

    const { token: csrfToken, cookie } = await csrf();
    await handle({ action: "signout", method: "POST", cookies: { "next-auth.csrf-token": cookie, [SESSION_COOKIE]: token }, body: { csrfToken } });

    const after = await readSession(token);
    expect(after.body).toEqual({});
    // The cookie is cleared rather than renewed.
    expect(after.cookies.filter((c) => c.name === SESSION_COOKIE && c.value !== "")).toEqual([]);
    expect(await testDb().revokedSession.count()).toBe(1);
  });

  it(`ends ${SESSION_MAX_AGE_SECONDS / 3600} hours after sign-in however often it was renewed, and a renewed token never outlives that`, async () => {
    const token = await signIn();
    const claims = (await decode({ token, secret: secret() }))!;
    const renewed = (await readSession(token)).cookies.find((c) => c.name === SESSION_COOKIE)!.value;
    const renewedClaims = (await decode({ token: renewed, secret: secret() }))!;
    expect(renewedClaims.authTime).toBe(claims.authTime);
    expect(renewedClaims.sid).toBe(claims.sid);
    expect(Number(renewedClaims.exp)).toBeLessThanOrEqual(Number(claims.authTime) + SESSION_MAX_AGE_SECONDS);

    // A token whose signature is fine and whose exp was pushed on by renewals, signed in long ago.
    const old = await encode({ token: { ...claims, authTime: Math.floor(Date.now() / 1000) - SESSION_MAX_AGE_SECONDS - 60 }, secret: secret(), maxAge: 3600 });
    expect((await readSession(old)).body).toEqual({});
  });

  it("refuses a deactivated user's session and a token without the session claims", async () => {
    const token = await signIn();
    await testDb().user.update({ where: { id: adminId }, data: { active: false } });
    expect((await readSession(token)).body).toEqual({});
    const legacy = await encode({ token: { sub: adminId, email: ADMIN.email }, secret: secret() });
    await expect(checkSession(testDb(), await decode({ token: legacy, secret: secret() }))).rejects.toBeInstanceOf(SessionEnded);
  });

  it("forgets a revocation once the session would have ended anyway", async () => {
    await testDb().revokedSession.createMany({
      data: [
        { sid: "afgelopen", userId: adminId, expiresAt: new Date(Date.now() - 1000) },
        { sid: "nog-geldig", userId: adminId, expiresAt: new Date(Date.now() + 60_000) },
      ],
    });
    expect(await pruneRevokedSessions(testDb())).toBe(1);
    expect((await testDb().revokedSession.findMany()).map((r) => r.sid)).toEqual(["nog-geldig"]);
  });
});

describe("a forged session cookie", () => {
  it("writes one short log line for 50 requests, not a stack trace each", async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const forged = (await encode({ token: { sub: adminId }, secret: "een-ander-geheim-van-minstens-32-tekens" })).slice(0, -6) + "AAAAAA";
    for (let i = 0; i < 50; i++) {
      expect((await readSession(`${forged}${i}`)).body).toEqual({});
    }
    vi.restoreAllMocks();
    const logged = lines.join("").split("\n").filter(Boolean);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: "warn", code: "JWT_SESSION_ERROR" });
    expect(logged[0]).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  });
});
