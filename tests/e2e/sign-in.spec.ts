import { expect, test } from "@playwright/test";
import { ADMIN, resetWithUsers, signIn } from "./support.ts";

test.beforeEach(async () => {
  await resetWithUsers();
});

test("the login page is Dutch and a wrong password gets one message that reveals nothing", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Inloggen bij Postkamer" })).toBeVisible();
  await page.getByLabel("E-mailadres").fill(ADMIN.email);
  await page.getByLabel("Wachtwoord").fill("niet-het-wachtwoord");
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("Onjuist e-mailadres of wachtwoord.");

  await page.getByLabel("E-mailadres").fill("bestaat-niet@example.test");
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("Onjuist e-mailadres of wachtwoord.");
});

test("an administrator signs in, finds Mailserver beheer in the Beheer menu, and signs out", async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/beheer\/applicatieinstellingen\/mailservers$/);
  const menu = page.getByRole("navigation", { name: "Hoofdmenu" });
  await expect(menu.getByText("Applicatieinstellingen")).toBeVisible();
  await expect(menu.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
  await expect(menu.getByRole("link", { name: "E-mail master sjablonen" })).toBeVisible();
  await expect(menu.getByRole("link", { name: "Beheer feature autorisaties voor E-mails" })).toBeVisible();
  await page.getByRole("button", { name: "Uitloggen" }).click();
  await expect(page.getByText("Je bent uitgelogd.")).toBeVisible();
  await page.goto("/autorisaties/emails");
  await expect(page).toHaveURL(/\/login/);
});

test("English can be chosen and is remembered", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("button", { name: "en", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Postkamer" })).toBeVisible();
  await page.getByLabel("E-mail address").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("link", { name: "Mail server management" })).toBeVisible();
  await page.getByRole("button", { name: "nl", exact: true }).click();
  await expect(page.getByRole("link", { name: "Mailserver beheer" })).toBeVisible();
});

test("a session cookie that was tampered with does not sign anyone in", async ({ page, context }) => {
  await signIn(page, ADMIN);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name.includes("session-token"))!;
  await context.clearCookies();
  await context.addCookies([{ ...session, value: `${session.value.slice(0, -4)}AAAA` }]);
  await page.goto("/autorisaties/emails");
  await expect(page).toHaveURL(/\/login/);
});

test("/api/health reports the database and a live worker", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true }, queue: { ok: true } });
});
