import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { ADMIN, captureServerAction, db, resetWithUsers, signIn } from "./support.ts";

test.beforeEach(async () => {
  await resetWithUsers();
});

test("a server action posted from another origin is refused and changes nothing", async ({ page, browser, baseURL }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/emails");
  await page.getByRole("checkbox", { name: "Helpdesk: Audittrail bekijken" }).check();
  const request = await captureServerAction(page, () => page.getByRole("button", { name: "Opslaan" }).click());
  const context = await browser.newContext();
  await signIn(await context.newPage(), ADMIN);
  const headers = request.headers();
  const response = await context.request.post(request.url(), {
    headers: { "next-action": headers["next-action"]!, "content-type": headers["content-type"]!, accept: "text/x-component", origin: "https://evil.example" },
    data: request.postDataBuffer()!,
  });
  expect((await response.text()).includes('"ok":true')).toBe(false);
  const helpdesk = await db().role.findUniqueOrThrow({ where: { name: "Helpdesk" }, include: { permissions: true } });
  expect(helpdesk.permissions.map((p) => p.permission)).not.toContain("AUDIT_VIEW");
  await context.close();
  expect(baseURL).toBeTruthy();
});

test("signing in issues a new session token: a token planted before sign-in is not kept", async ({ page, context, baseURL }) => {
  const host = new URL(baseURL!).hostname;
  await context.addCookies([{ name: "next-auth.session-token", value: "door-een-aanvaller-gekozen", domain: host, path: "/" }]);
  await page.goto("/autorisaties/emails");
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, ADMIN);
  const session = (await context.cookies()).find((cookie) => cookie.name === "next-auth.session-token");
  expect(session?.value).toBeTruthy();
  expect(session!.value).not.toBe("door-een-aanvaller-gekozen");
  expect(session!.httpOnly).toBe(true);
});

test("a new API key is shown once and then never appears in a page, API response, log line or audit entry", async ({ page, request }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/api-sleutels");
  await page.getByLabel("Omschrijving").fill("Geplante sleutel");
  await page.getByRole("button", { name: "Sleutel aanmaken" }).click();
  // Shown once: in the answer to the creating action, which renders it here.
  const key = (await page.getByTestId("new-api-key").textContent())!;
  expect(key).toMatch(/^pk_/);
  expect(await db().apiKey.count({ where: { name: "Geplante sleutel" } })).toBe(1);

  // From here on, no response the browser receives may carry the key again.
  const bodies: { url: string; body: string }[] = [];
  page.on("response", async (response) => {
    try {
      bodies.push({ url: response.url(), body: await response.text() });
    } catch {
      // redirects and aborted requests have no body
    }
  });

  const submitted = await request.post("/api/v1/messages", {
    headers: { authorization: `Bearer ${key}` },
    data: { template: "verzuim-werkgever", to: ["a@werkgever.example"], subject: "Test", text: "Hallo" },
  });
  expect(submitted.status()).toBe(202);
  const { id } = (await submitted.json()) as { id: string };
  const status = await request.get(`/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${key}` } });
  expect(await status.text()).not.toContain(key);
  const bad = await request.post("/api/v1/messages", { headers: { authorization: `Bearer ${key}x` }, data: {} });
  expect(await bad.text()).not.toContain(key);

  for (const path of ["/autorisaties/api-sleutels", "/audit", "/beheer/applicatieinstellingen/logging", `/beheer/applicatieinstellingen/logging/${id}`]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  await expect.poll(() => bodies.length).toBeGreaterThanOrEqual(4);
  expect(bodies.filter((b) => b.body.includes(key))).toEqual([]);
  const audit = await db().$queryRaw<{ dump: string }[]>`SELECT coalesce(string_agg(t::text, ' '), '') AS dump FROM "AuditEntry" t`;
  expect(audit[0]!.dump).toContain("Geplante sleutel");
  expect(audit[0]!.dump).not.toContain(key);
  expect(await readFile(process.env.E2E_APP_LOG!, "utf8")).not.toContain(key);
});
