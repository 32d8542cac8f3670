import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { decode, encode } from "next-auth/jwt";
import { FREE_CLIENT_FAILURES } from "@/lib/auth/login-throttle.ts";
import { SESSION_MAX_AGE_SECONDS } from "@/lib/auth/session-token.ts";
import { ADMIN, db, resetWithUsers, signIn } from "./support.ts";

/** Issue 14: what an attacker probing Postkamer found, fixed and kept fixed (items 1, 2, 3 and 5). */
const SESSION_COOKIE = "next-auth.session-token";

test.beforeEach(async () => {
  await resetWithUsers();
});

async function submitSignIn(page: Page) {
  await page.getByLabel("E-mailadres").fill(ADMIN.email);
  await page.getByLabel("Wachtwoord").fill(ADMIN.password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test("after sign-in a callbackUrl never leads to another site, however it is written", async ({ browser, baseURL }) => {
  const ownHost = new URL(baseURL!).host;
  for (const target of ["/%5Cevil.example/phish", "/%09/evil.example/phish", "/.//evil.example/phish", "//evil.example/phish", "https://evil.example/phish"]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Should the browser ever head there, it finds a stand-in instead of the internet.
    await page.route(
      (url) => url.hostname === "evil.example",
      (route) => route.fulfill({ contentType: "text/html", body: "<h1>phished</h1>" }),
    );
    await page.goto(`/login?callbackUrl=${target}`);
    await submitSignIn(page);
    await page.waitForLoadState("networkidle");
    expect(new URL(page.url()).host, target).toBe(ownHost);
    await expect(page.getByTestId("signed-in-as")).toBeVisible();
    await context.close();
  }
  // A path on this site is still where the user goes.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/login?callbackUrl=${encodeURIComponent("/audit?pagina=1")}`);
  await submitSignIn(page);
  await expect(page).toHaveURL(/\/audit\?pagina=1$/);
  await context.close();
});

async function signInThroughApi(request: APIRequestContext, forwardedFor: string, email: string): Promise<string> {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password: "niet-het-wachtwoord", json: "true" },
    headers: { "x-forwarded-for": forwardedFor, "x-real-ip": forwardedFor, "x-postkamer-client-address": forwardedFor },
    maxRedirects: 0,
  });
  const { url } = (await response.json()) as { url: string };
  return new URL(url).searchParams.get("error") ?? "";
}

test("a client that sends a fresh X-Forwarded-For with every try is still throttled", async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL });
  const errors: string[] = [];
  for (let i = 0; i < 40; i++) errors.push(await signInThroughApi(request, `198.51.100.${i + 1}`, `doelwit-${i}@example.test`));
  expect(errors.slice(0, FREE_CLIENT_FAILURES)).toEqual(Array(FREE_CLIENT_FAILURES).fill("CredentialsSignin"));
  expect(errors.slice(FREE_CLIENT_FAILURES + 1).every((error) => error.startsWith("throttled:"))).toBe(true);
  expect(await db().loginThrottle.count()).toBeLessThanOrEqual(FREE_CLIENT_FAILURES + 2);
  await request.dispose();
});

test("signing out ends the session: a copied session cookie no longer works, not even to renew itself", async ({ page, context, browser }) => {
  await signIn(page, ADMIN);
  const copied = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE)!;
  await page.getByRole("button", { name: "Uitloggen" }).click();
  await expect(page.getByText("Je bent uitgelogd.")).toBeVisible();

  const thief = await browser.newContext();
  await thief.addCookies([copied]);
  const thiefPage = await thief.newPage();
  await thiefPage.goto("/autorisaties/emails");
  await expect(thiefPage).toHaveURL(/\/login/);
  const session = await thief.request.get("/api/auth/session");
  expect(await session.json()).toEqual({});
  expect(session.headers()["set-cookie"] ?? "").not.toMatch(new RegExp(`${SESSION_COOKIE}=[^;]+;`));
  await thief.close();

  // The user's own new sign-in is a new session, unaffected.
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/emails");
  await expect(page).not.toHaveURL(/\/login/);
});

test(`a session ends ${SESSION_MAX_AGE_SECONDS / 3600} hours after sign-in, however often /api/auth/session renewed it`, async ({
  page,
  context,
  browser,
  baseURL,
}) => {
  const secret = process.env.AUTH_SECRET!;
  await signIn(page, ADMIN);
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!;
  const claims = (await decode({ token: cookie.value, secret }))!;
  for (let i = 0; i < 3; i++) expect((await context.request.get("/api/auth/session")).status()).toBe(200);
  const renewed = (await decode({ token: (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!.value, secret }))!;
  expect(renewed.authTime).toBe(claims.authTime);
  expect(Number(renewed.exp)).toBeLessThanOrEqual(Number(claims.authTime) + SESSION_MAX_AGE_SECONDS);

  // The same session as if signed in 8 hours and a minute ago, its signature and exp still valid.
  const stale = await encode({ token: { ...claims, authTime: Math.floor(Date.now() / 1000) - SESSION_MAX_AGE_SECONDS - 60 }, secret, maxAge: 3600 });
  const other = await browser.newContext();
  await other.addCookies([{ name: SESSION_COOKIE, value: stale, url: baseURL! }]);
  const otherPage = await other.newPage();
  await otherPage.goto("/autorisaties/emails");
  await expect(otherPage).toHaveURL(/\/login/);
  expect(await (await other.request.get("/api/auth/session")).json()).toEqual({});
  await other.close();
});

test("every page runs under a nonce-based Content-Security-Policy without unsafe-eval, and works", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => violations.push(`${page.url()}: ${error.message}`));

  const first = await page.goto("/login");
  const policy = first!.headers()["content-security-policy"]!;
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(policy).not.toContain("unsafe-eval");
  expect(policy).toContain("object-src 'none'");
  expect(policy).toContain("base-uri 'none'");
  expect(policy).toContain("frame-ancestors 'none'");
  const nonce = /'nonce-([^']+)'/.exec(policy)![1]!;
  const html = await first!.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
  const second = await page.goto("/login");
  expect(/'nonce-([^']+)'/.exec(second!.headers()["content-security-policy"]!)![1]).not.toBe(nonce);
  expect(second!.headers()["permissions-policy"]).toContain("camera=()");
  // http here, so no HSTS (it is sent when NEXTAUTH_URL is https).
  expect(second!.headers()["strict-transport-security"]).toBeUndefined();

  await signIn(page, ADMIN);
  const template = await db().masterTemplate.findFirstOrThrow({ orderBy: { name: "asc" } });
  for (const path of [
    "/beheer/applicatieinstellingen/mailservers",
    "/beheer/applicatieinstellingen/logging",
    "/autorisaties/emails",
    "/autorisaties/gebruikers",
    "/autorisaties/api-sleutels",
    "/audit",
  ]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }

  // Client components hydrate and act: the server form fills in a preset when the type changes.
  await page.goto("/beheer/applicatieinstellingen/mailservers/nieuw");
  await page.getByLabel("Type mailserver").selectOption("MICROSOFT_365");
  await expect(page.getByLabel("Host")).toHaveValue("smtp.office365.com");

  // The template preview (a sandboxed srcdoc frame, which inherits the policy) shows the frame's inline styles.
  await page.goto(`/beheer/applicatieinstellingen/sjablonen?id=${template.id}`);
  const preview = page.frameLocator("iframe[title]").locator("body");
  await expect(preview).toContainText("Dit is een testbericht");
  expect(await preview.evaluate((body) => getComputedStyle(body).backgroundColor)).toBe("rgb(244, 246, 248)");

  expect(violations).toEqual([]);

  // What an injection would try, planted in a real page as a stored XSS would be: an inline
  // script without the nonce does not run, and even a script with the nonce cannot eval.
  await page.route("**/audit", async (route) => {
    const response = await route.fetch();
    const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
    const body = (await response.text()).replace(
      "</body>",
      `<script>window.__injected = true</script><script nonce="${nonce}">try { eval("1"); window.__evaluated = "ran" } catch { window.__evaluated = "refused" }</script></body>`,
    );
    await route.fulfill({ response, body });
  });
  await page.goto("/audit");
  await expect.poll(() => page.evaluate(() => (window as unknown as { __evaluated?: string }).__evaluated)).toBe("refused");
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected ?? false)).toBe(false);
  expect(violations.some((violation) => /inline script/i.test(violation))).toBe(true);
});
