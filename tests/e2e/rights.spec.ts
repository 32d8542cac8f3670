import { expect, test, type Request } from "@playwright/test";
import { ADMIN, db, HELPDESK, resetWithUsers, signIn } from "./support.ts";

test.beforeEach(async () => {
  await resetWithUsers();
});

async function helpdeskPermissions(): Promise<string[]> {
  const role = await db().role.findUniqueOrThrow({ where: { name: "Helpdesk" }, include: { permissions: true } });
  return role.permissions.map((p) => p.permission).sort();
}

test("a Helpdesk user gets 403 on the rights screen and sees no Autorisaties menu", async ({ page }) => {
  await signIn(page, HELPDESK);
  await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Beheer feature autorisaties voor E-mails" })).toHaveCount(0);
  const response = await page.goto("/autorisaties/emails");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Geen toegang (403)" })).toBeVisible();
  for (const path of ["/autorisaties/gebruikers", "/autorisaties/api-sleutels", "/audit"]) {
    expect((await page.goto(path))?.status()).toBe(403);
  }
});

test("the rights server action posted directly with a Helpdesk session is refused and changes nothing", async ({ page, browser, baseURL }) => {
  // Capture a genuine "save rights" request of the administrator without letting it through.
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/emails");
  let captured: Request | undefined;
  await page.route("**/autorisaties/emails", async (route) => {
    if (route.request().method() === "POST" && route.request().headers()["next-action"]) {
      captured = route.request();
      await route.abort();
    } else {
      await route.continue();
    }
  });
  await page.getByRole("checkbox", { name: "Helpdesk: Audittrail bekijken" }).check();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect.poll(() => captured).toBeTruthy();
  const before = await helpdeskPermissions();
  expect(before).not.toContain("AUDIT_VIEW");

  const replay = async (user: { email: string; password: string }) => {
    const context = await browser.newContext();
    await signIn(await context.newPage(), user);
    const headers = captured!.headers();
    const response = await context.request.post(`${baseURL}/autorisaties/emails`, {
      headers: { "next-action": headers["next-action"]!, "content-type": headers["content-type"]!, accept: "text/x-component", origin: baseURL! },
      data: captured!.postDataBuffer()!,
    });
    const body = await response.text();
    await context.close();
    return body;
  };

  const refused = await replay(HELPDESK);
  expect(refused).toContain('"status":403');
  expect(await helpdeskPermissions()).toEqual(before);
  expect(await db().auditEntry.count({ where: { action: "role.permissions.update" } })).toBe(0);

  // The same bytes with an administrator's session do work: the refusal was authorization, not a broken request.
  const accepted = await replay(ADMIN);
  expect(accepted).toContain('"ok":true');
  expect(await helpdeskPermissions()).toContain("AUDIT_VIEW");
});

test("an administrator grants a right in the matrix; the Helpdesk user gets it and the audit trail shows the change", async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/emails");
  await expect(page.getByRole("heading", { name: "Beheer feature autorisaties voor E-mails" })).toBeVisible();
  await page.getByRole("checkbox", { name: "Helpdesk: Audittrail bekijken" }).check();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("status")).toHaveText("De autorisaties zijn opgeslagen.");

  await page.goto("/audit");
  const row = page.getByRole("row", { name: /Rechten van rol “Helpdesk” gewijzigd/ });
  await expect(row).toContainText(ADMIN.email);
  // The change, with the rights by their names (folded under "Details").
  await expect(row).toContainText(
    "Rechten: Logging details bekijken, Mailservers bekijken, E-mail master sjablonen bekijken → Audittrail bekijken, Logging details bekijken",
  );
  // The same entry in English: translated from its code and values, not the stored Dutch text.
  await page.context().addCookies([{ name: "postkamer-locale", value: "en", url: page.url() }]);
  await page.reload();
  await expect(page.getByRole("row", { name: /Rights of role “Helpdesk” changed/ })).toContainText("Role's rights changed");

  const helpdesk = await browser.newContext();
  const helpdeskPage = await helpdesk.newPage();
  await signIn(helpdeskPage, HELPDESK);
  expect((await helpdeskPage.goto("/audit"))?.status()).toBe(200);
  await helpdesk.close();
});

test("an administrator cannot take away their own last 'Autorisaties beheren' right", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/emails");
  await page.getByRole("checkbox", { name: "Beheerder: Autorisaties beheren" }).uncheck();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByTestId("rights-matrix").getByRole("alert")).toHaveText("Je kunt jezelf niet het laatste recht 'Autorisaties beheren' ontnemen.");
  const admin = await db().role.findUniqueOrThrow({ where: { name: "Beheerder" }, include: { permissions: true } });
  expect(admin.permissions.map((p) => p.permission)).toContain("RIGHTS_MANAGE");
});

test("users: create with a role, see field errors for bad input, deactivate", async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/gebruikers");
  const form = page.getByTestId("create-user");
  await form.getByLabel("Naam").fill("   ");
  await form.getByLabel("E-mailadres").fill("geen-adres");
  await form.getByLabel("Tijdelijk wachtwoord").fill("kort");
  await form.getByRole("button", { name: "Gebruiker aanmaken" }).click();
  await expect(form.locator('[data-field-error="name"]')).toHaveText("Dit veld is verplicht.");
  await expect(form.locator('[data-field-error="password"]')).toHaveText("Minstens 12 tekens.");
  await expect(form.locator('[data-field-error="email"]')).toHaveText("Dit is geen geldig e-mailadres.");
  expect(await db().user.count()).toBe(2);

  await form.getByLabel("Naam").fill("Piet Planner");
  await form.getByLabel("E-mailadres").fill("piet@example.test");
  await form.getByLabel("Tijdelijk wachtwoord").fill("piet-wachtwoord-12");
  await form.getByRole("checkbox", { name: "Helpdesk" }).check();
  await form.getByRole("button", { name: "Gebruiker aanmaken" }).click();
  await expect(form.getByRole("status")).toHaveText("Gebruiker piet@example.test is aangemaakt.");
  const row = page.getByTestId("user-piet@example.test");
  await expect(row).toBeVisible();

  await row.getByRole("button", { name: "Deactiveren" }).click();
  await expect(row.getByRole("status")).toHaveText("piet@example.test is gedeactiveerd.");

  const piet = await browser.newContext();
  const pietPage = await piet.newPage();
  await pietPage.goto("/login");
  await pietPage.getByLabel("E-mailadres").fill("piet@example.test");
  await pietPage.getByLabel("Wachtwoord").fill("piet-wachtwoord-12");
  await pietPage.getByRole("button", { name: "Inloggen" }).click();
  await expect(pietPage.locator("form").getByRole("alert")).toHaveText("Onjuist e-mailadres of wachtwoord.");
  await piet.close();
});

test("API keys: a new key is shown once, stored hashed, and can be revoked", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/autorisaties/api-sleutels");
  await page.getByLabel("Omschrijving").fill("Verzuimapplicatie");
  await page.getByRole("button", { name: "Sleutel aanmaken" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())!;
  expect(key).toMatch(/^pk_/);
  const stored = await db().apiKey.findFirstOrThrow();
  expect(stored.keyHash).not.toContain(key);

  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);
  await page.getByRole("button", { name: "Intrekken" }).click();
  await expect(page.getByRole("row", { name: /Verzuimapplicatie/ })).toContainText("Ingetrokken");
  expect((await db().apiKey.findFirstOrThrow()).revokedAt).not.toBeNull();
});
