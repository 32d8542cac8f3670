import { expect, type Browser, type Page, type Request } from "@playwright/test";
import { createDb, type Db } from "@/lib/db/client.ts";
import { spawnWeb, stopChild, waitForHttp } from "@/lib/ops/processes.ts";
import { seed } from "@/lib/ops/seed.ts";
import { createUser } from "@/lib/users/mutations.ts";
import { resetDatabase } from "../support/db.ts";
import { freePort } from "../support/test-database.ts";

export const ADMIN = { email: "beheerder@example.test", password: "beheerder-wachtwoord-1" };
export const HELPDESK = { email: "helpdesk@example.test", password: "helpdesk-wachtwoord-1" };

let prisma: Db | undefined;

export function db(): Db {
  prisma ??= createDb(process.env.DATABASE_URL!, 2);
  return prisma;
}

/** An empty application database with the seeded roles, one administrator and one helpdesk user. */
export async function resetWithUsers(): Promise<void> {
  // The app's worker keeps running meanwhile: the reset retries when its TRUNCATE meets the worker's locks (a deadlock).
  await resetDatabase(db());
  await seed(db(), { adminEmail: ADMIN.email, adminPassword: ADMIN.password });
  const helpdesk = await db().role.findUniqueOrThrow({ where: { name: "Helpdesk" } });
  await createUser(db(), { id: null, label: "test" }, { email: HELPDESK.email, name: "Hanna Helpdesk", password: HELPDESK.password, roles: [helpdesk.id] });
}

export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mailadres").fill(user.email);
  await page.getByLabel("Wachtwoord").fill(user.password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/**
 * Catches the next server-action POST the page makes (without letting it through), so a test
 * can replay the exact bytes with another user's session.
 */
export async function captureServerAction(page: Page, trigger: () => Promise<void>): Promise<Request> {
  let captured: Request | undefined;
  await page.route("**/*", async (route) => {
    if (!captured && route.request().method() === "POST" && route.request().headers()["next-action"]) {
      captured = route.request();
      await route.abort();
    } else {
      await route.continue();
    }
  });
  await trigger();
  await expect.poll(() => captured, { timeout: 10_000 }).toBeTruthy();
  await page.unrouteAll({ behavior: "ignoreErrors" });
  return captured!;
}

/** Posts a captured server action again, signed in as `user`; returns the RSC response text. */
export async function replayServerAction(browser: Browser, baseURL: string, user: { email: string; password: string }, request: Request): Promise<string> {
  const context = await browser.newContext();
  await signIn(await context.newPage(), user);
  const headers = request.headers();
  const response = await context.request.post(request.url(), {
    headers: { "next-action": headers["next-action"]!, "content-type": headers["content-type"]!, accept: "text/x-component", origin: baseURL },
    data: request.postDataBuffer()!,
  });
  const body = await response.text();
  await context.close();
  return body;
}

/**
 * A second app instance on the build tests/run.ts made (E2E_DIST_DIR), with extra environment,
 * while `run` runs; its log goes beside the app's with the given suffix. Without
 * E2E_DIST_DIR the calling test fails rather than being skipped silently.
 */
export async function withSecondApp<T>(name: string, env: Record<string, string>, run: (url: string) => Promise<T>): Promise<T> {
  expect(process.env.E2E_DIST_DIR, "run through tests/run.ts (npm test): it passes E2E_DIST_DIR for the second app instance").toBeTruthy();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const web = spawnWeb({
    port,
    distDir: process.env.E2E_DIST_DIR,
    logFile: `${process.env.E2E_APP_LOG}.${name}`,
    env: {
      // Not the test runner's own loader options: the app starts as tests/run.ts starts it.
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS")),
      PORT: String(port),
      NEXTAUTH_URL: url,
      ...env,
    },
  });
  try {
    await waitForHttp(`${url}/login`);
    return await run(url);
  } finally {
    await stopChild(web, 10_000);
  }
}
