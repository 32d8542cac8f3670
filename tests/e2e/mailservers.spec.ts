import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";
import { ADMIN, captureServerAction, db, HELPDESK, replayServerAction, resetWithUsers, signIn } from "./support.ts";

const LIST = "/beheer/applicatieinstellingen/mailservers";
const PLANTED_PASSWORD = "Geplant-Geheim-Wachtwoord-Q7x";

let smtp: TestSmtp;

test.beforeAll(async () => {
  smtp = await startTestSmtp({
    auth: { user: "verzuim@klant.example", pass: PLANTED_PASSWORD },
    // Like Exchange Online for an address the account may not send as.
    onMailFrom(address, _session, callback) {
      if (address.address === "ander@klant.example")
        return callback(smtpError(554, "5.2.252 SendAsDenied; verzuim@klant.example not allowed to send as ander@klant.example"));
      callback();
    },
  });
});
test.afterAll(async () => {
  await smtp.close();
});
test.beforeEach(async () => {
  await resetWithUsers();
});

/** Every response body the page receives, to prove a secret never reaches the browser. */
function recordResponses(page: Page): string[] {
  const bodies: string[] = [];
  page.on("response", async (response) => {
    try {
      bodies.push(await response.text());
    } catch {
      // redirects and aborted requests have no body
    }
  });
  return bodies;
}

async function createLoopbackServer(page: Page, name = "Eigen server") {
  await page.goto(`${LIST}/nieuw`);
  await page.getByLabel("Naam", { exact: true }).fill(name);
  await page.getByLabel("Type mailserver").selectOption("GENERIC");
  await page.getByLabel("Host").fill("127.0.0.1");
  await page.getByLabel("Poort").fill(String(smtp.port));
  await page.getByLabel("Certificaat controleren").uncheck();
  await page.getByLabel("Gebruikersnaam").fill("verzuim@klant.example");
  await page.getByLabel("Wachtwoord").fill(PLANTED_PASSWORD);
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

test("an administrator creates a Microsoft 365 server from its preset, changes a limit, and the list shows it", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "+ Nieuwe mailserver" }).click();
  await expect(page.getByRole("heading", { name: "Nieuwe mailserver" })).toBeVisible();
  await page.getByLabel("Type mailserver").selectOption("GENERIC");
  await page.getByLabel("Type mailserver").selectOption("MICROSOFT_365");
  await page.getByLabel("Naam", { exact: true }).fill("Exchange Online");

  await expect(page.getByLabel("Host")).toHaveValue("smtp.office365.com");
  await expect(page.getByLabel("Poort")).toHaveValue("587");
  await expect(page.getByLabel("Versleuteling")).toHaveValue("STARTTLS");
  await expect(page.locator("label[for=host]")).toContainText("uit voorinstelling");
  await expect(page.getByTestId("preset-source")).toContainText("Microsoft Learn");
  const rows = page.getByTestId("limit-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).getByLabel("Aantal", { exact: true })).toHaveValue("30");
  await expect(rows.nth(0).getByLabel("Telt")).toHaveValue("MESSAGES");
  await expect(rows.nth(0).getByLabel("per", { exact: true })).toHaveValue("MINUTE");
  await expect(rows.nth(1).getByLabel("Aantal", { exact: true })).toHaveValue("10000");
  await expect(rows.nth(1).getByLabel("Telt")).toHaveValue("RECIPIENTS");
  await expect(rows.nth(1).getByLabel("per", { exact: true })).toHaveValue("DAY");
  await expect(rows.nth(0).getByTestId("limit-sentence")).toHaveText("= 30 berichten per minuut");
  await expect(rows.nth(1).getByTestId("limit-sentence")).toHaveText("= 10.000 ontvangers per 24 uur");
  await expect(page.getByLabel("Maximum aantal ontvangers per bericht (optioneel)")).toHaveValue("500");
  // OAuth2 first: Microsoft switches basic SMTP AUTH off; a password stays possible, with a note saying so.
  await expect(page.getByLabel("Authenticatie")).toHaveValue("OAUTH2");
  await expect(page.getByLabel("Wachtwoord")).toBeHidden();
  await page.getByLabel("Authenticatie").selectOption("PASSWORD");
  await expect(page.locator("label[for=authMethod]")).toContainText("aangepast");
  await expect(page.getByText("Microsoft zet dat eind december 2026 uit")).toBeVisible();

  await rows.nth(0).getByLabel("Aantal", { exact: true }).fill("25");
  await expect(rows.nth(0)).toContainText("aangepast");
  await rows.nth(0).getByLabel("Aantal", { exact: true }).fill("1");
  await rows.nth(0).getByLabel("per", { exact: true }).selectOption("SECOND");
  await expect(rows.nth(0).getByTestId("limit-sentence")).toHaveText("= 1 bericht per seconde");
  await rows.nth(0).getByLabel("per", { exact: true }).selectOption("MINUTE");
  await rows.nth(0).getByLabel("Aantal", { exact: true }).fill("25");
  await page.getByLabel("Gebruikersnaam").fill("verzuim@klant.example");
  await page.getByLabel("Wachtwoord").fill(PLANTED_PASSWORD);
  await page.getByRole("button", { name: "Opslaan" }).click();

  await expect(page.getByRole("heading", { name: "Exchange Online" })).toBeVisible();
  await expect(page.getByTestId("server-limits")).toContainText("25 berichten per minuut");
  await expect(page.getByTestId("server-limits")).toContainText("10.000 ontvangers per 24 uur");
  await page.getByRole("link", { name: "Terug naar Mailserver beheer" }).click();
  const row = page.getByTestId("server-list").getByRole("row", { name: /Exchange Online/ });
  await expect(row).toContainText("Microsoft 365 / Exchange Online");
  await expect(row).toContainText("smtp.office365.com:587");
  await expect(row).toContainText("25 berichten per minuut");
  await expect(row).toContainText("10.000 ontvangers per 24 uur");
  await expect(row).toContainText("Werkgever");
});

test("bad input gets field errors next to the fields and nothing is stored", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto(`${LIST}/nieuw`);
  await page.getByLabel("Naam", { exact: true }).fill("x".repeat(10_240));
  await page.getByLabel("Host").fill("");
  await page.getByLabel("Poort").fill("0");
  await page.getByTestId("limit-row").nth(0).getByLabel("Aantal", { exact: true }).fill("-1");
  await page.getByTestId("limit-row").nth(1).getByLabel("Telt").selectOption("MESSAGES");
  await page.getByTestId("limit-row").nth(1).getByLabel("per", { exact: true }).selectOption("MINUTE");
  await page.getByRole("button", { name: "Opslaan" }).click();
  const form = page.getByTestId("server-form");
  await expect(form.locator('[data-field-error="name"]')).toHaveText("Maximaal 100 tekens.");
  await expect(form.locator('[data-field-error="host"]')).toHaveText("Dit veld is verplicht.");
  await expect(form.locator('[data-field-error="port"]')).toHaveText("Een poort is een heel getal van 1 tot en met 65535.");
  await expect(form.locator('[data-field-error="limits.0.count"]')).toHaveText("Vul een positief heel getal in.");
  await expect(form.locator('[data-field-error="password"]')).toHaveCount(0);
  expect(await db().mailServer.count()).toBe(0);

  await page.getByLabel("Versleuteling").selectOption("NONE");
  await expect(page.getByRole("note")).toContainText("onversleuteld");
});

test("the password is write-only: never in a page, an action response, the log or the database in clear text", async ({ page }) => {
  const bodies = recordResponses(page);
  await signIn(page, ADMIN);
  await createLoopbackServer(page);
  const server = await db().mailServer.findFirstOrThrow();
  await page.getByRole("link", { name: "Aanpassen" }).click();
  await expect(page.locator("label[for=password]")).toContainText("opgeslagen");
  await expect(page.getByLabel("Wachtwoord")).toHaveValue("");
  await page.getByLabel("Naam", { exact: true }).fill("Eigen server (hernoemd)");
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Eigen server (hernoemd)" })).toBeVisible();
  await page.getByRole("button", { name: "Verbinding testen" }).click();
  await expect(page.getByTestId("probe-result")).toContainText("De verbinding werkt");
  for (const path of [LIST, `${LIST}/${server.id}`, `${LIST}/${server.id}/aanpassen`, "/audit"]) await page.goto(path);

  expect(bodies.length).toBeGreaterThan(10);
  for (const body of bodies) expect(body).not.toContain(PLANTED_PASSWORD);
  const tables = await db().$queryRaw<{ dump: string }[]>`
    SELECT concat_ws(' ', (SELECT string_agg(t::text, ' ') FROM "MailServer" t), (SELECT string_agg(t::text, ' ') FROM "AuditEntry" t)) AS dump`;
  expect(tables[0]!.dump).toContain("verzuim@klant.example");
  expect(tables[0]!.dump).not.toContain(PLANTED_PASSWORD);
  const log = await readFile(process.env.E2E_APP_LOG!, "utf8");
  expect(log).not.toContain(PLANTED_PASSWORD);
  expect((await db().mailServer.findFirstOrThrow()).passwordBox).toMatch(/^v1\./);
});

test("Verbinding testen shows each step with the server's reply, and a wrong password is explained", async ({ page }) => {
  await signIn(page, ADMIN);
  await createLoopbackServer(page);
  await page.getByRole("button", { name: "Verbinding testen" }).click();
  const result = page.getByTestId("probe-result");
  await expect(result).toContainText("De verbinding werkt");
  // Shown once: the panel does not repeat what the 'Laatste verbindingstest' card shows.
  await expect(result).toHaveCount(1);
  await expect(result.locator('li[data-step="auth"]')).toContainText("✓ Inloggen");
  // The protocol itself is folded under "Technische details".
  await expect(result.locator('tr[data-detail-step="auth"]')).toBeHidden();
  await result.getByText("Technische details").click();
  await expect(result.locator('tr[data-detail-step="auth"]')).toContainText("235");
  await expect(result.locator('tr[data-detail-step="rcptTo"]')).toContainText("250");

  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Wachtwoord").fill("Fout-Wachtwoord-123");
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Eigen server" })).toBeVisible();
  await page.getByRole("button", { name: "Verbinding testen" }).click();
  const failed = page.getByTestId("probe-result");
  await expect(failed.getByTestId("probe-summary")).toContainText("De test is mislukt bij stap “Inloggen”");
  await expect(failed.getByTestId("probe-summary")).toContainText("gebruikersnaam of het wachtwoord");
  await expect(failed.getByTestId("probe-action")).toBeVisible();
  await expect(failed.getByTestId("probe-summary")).not.toContainText("535");
  await expect(failed).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId("probe-result").locator('tr[data-detail-step="auth"]')).toContainText("535");
  const list = await page.goto(LIST);
  expect(list?.status()).toBe(200);
  await expect(page.getByTestId("server-list")).toContainText("Verbinding mislukt");
});

test("a Helpdesk user sees servers read-only; every change, the probe and crafted direct calls are refused and change nothing", async ({
  page,
  browser,
  baseURL,
}) => {
  // Three sign-ins, four captured actions and four replays: more than the default minute on a busy machine.
  test.slow();
  await signIn(page, ADMIN);
  await createLoopbackServer(page);
  const server = await db().mailServer.findFirstOrThrow({ include: { limits: true } });
  const detail = `${LIST}/${server.id}`;

  // Capture the administrator's genuine requests for each mail server action, without letting them through.
  await page.goto(`${LIST}/nieuw`);
  await page.getByLabel("Naam", { exact: true }).fill("Tweede server");
  await page.getByLabel("Authenticatie").selectOption("PASSWORD");
  await page.getByLabel("Gebruikersnaam").fill("a@klant.example");
  await page.getByLabel("Wachtwoord").fill("nog-een-wachtwoord");
  const create = await captureServerAction(page, () => page.getByRole("button", { name: "Opslaan" }).click());
  await page.goto(`${detail}/aanpassen`);
  await page.getByLabel("Host").fill("evil.example");
  const update = await captureServerAction(page, () => page.getByRole("button", { name: "Opslaan" }).click());
  await page.goto(detail);
  const probe = await captureServerAction(page, () => page.getByRole("button", { name: "Verbinding testen" }).click());
  await page.goto(detail); // an aborted action leaves the page in its error state
  page.once("dialog", (dialog) => void dialog.accept());
  const remove = await captureServerAction(page, () => page.getByRole("button", { name: "Verwijderen" }).click());

  const helpdesk = await browser.newContext();
  const helpdeskPage = await helpdesk.newPage();
  await signIn(helpdeskPage, HELPDESK);
  await helpdeskPage.goto(LIST);
  await expect(helpdeskPage.getByTestId("server-list")).toContainText("Eigen server");
  await expect(helpdeskPage.getByRole("link", { name: "+ Nieuwe mailserver" })).toHaveCount(0);
  await helpdeskPage.goto(detail);
  await expect(helpdeskPage.getByRole("heading", { name: "Eigen server" })).toBeVisible();
  await expect(helpdeskPage.getByRole("link", { name: "Aanpassen" })).toHaveCount(0);
  await expect(helpdeskPage.getByRole("button", { name: "Verbinding testen" })).toHaveCount(0);
  expect((await helpdeskPage.goto(`${LIST}/nieuw`))?.status()).toBe(403);
  expect((await helpdeskPage.goto(`${detail}/aanpassen`))?.status()).toBe(403);
  await helpdesk.close();

  const auditBefore = await db().auditEntry.count();
  for (const request of [create, update, probe, remove]) {
    expect(await replayServerAction(browser, baseURL!, HELPDESK, request)).toContain('"status":403');
  }
  expect(await db().mailServer.count()).toBe(1);
  const after = await db().mailServer.findFirstOrThrow({ include: { limits: true } });
  expect(after).toEqual(server);
  expect(await db().auditEntry.count()).toBe(auditBefore);
  expect(smtp.received).toHaveLength(0);
});

test("an administrator switches a Microsoft 365 server to OAuth2: the client secret stays write-only and its expiry is warned about", async ({
  page,
  browser,
}) => {
  const secret = "Geplant~OAuth.Clientgeheim_Z4q9";
  // Within 30 days: 20 days from now, as the date input wants it.
  const expiry = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const bodies = recordResponses(page);
  await signIn(page, ADMIN);
  await page.goto(`${LIST}/nieuw`);
  await page.getByLabel("Naam", { exact: true }).fill("Exchange Online");
  await expect(page.getByTestId("oauth-hint")).toContainText("Aanbevolen: OAuth2");
  await page.getByLabel("Authenticatie").selectOption("PASSWORD");
  await page.getByLabel("Gebruikersnaam").fill("verzuim@klant.example");
  await page.getByLabel("Wachtwoord").fill(PLANTED_PASSWORD);
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Exchange Online" })).toBeVisible();

  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Authenticatie").selectOption("OAUTH2");
  await expect(page.getByLabel("Wachtwoord")).toBeHidden();
  await page.getByLabel("Tenant-ID (map-ID)").fill("7f0c2a55-1b0e-4d6a-9a51-3c2f8e1d0b44");
  await page.getByLabel("Client-ID (toepassings-ID)").fill("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f");
  await page.getByLabel("Clientgeheim", { exact: true }).fill(secret);
  await page.getByLabel("Clientgeheim verloopt op (optioneel)").fill(expiry);
  await page.getByRole("button", { name: "Opslaan" }).click();

  await expect(page.getByRole("heading", { name: "Exchange Online" })).toBeVisible();
  const settings = page.getByTestId("server-settings");
  await expect(settings).toContainText("OAuth2 (XOAUTH2)");
  await expect(settings).toContainText("7f0c2a55-1b0e-4d6a-9a51-3c2f8e1d0b44");
  await expect(settings).toContainText("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f");
  await expect(settings).toContainText("geheim opgeslagen");
  await expect(page.getByTestId("oauth-secret-expiry")).toContainText("Het clientgeheim verloopt over 20 dagen");
  await expect(page.getByTestId("oauth-secret-expiry")).toContainText("Maak in Entra ID een nieuw geheim aan en vul het hier in.");

  await page.getByRole("link", { name: "Aanpassen" }).click();
  await expect(page.locator("label[for=oauthClientSecret]")).toContainText("opgeslagen");
  await expect(page.locator("#oauthClientSecret")).toHaveValue("");
  await expect(page.getByLabel("Clientgeheim verloopt op (optioneel)")).toHaveValue(expiry);
  expect(await page.content()).not.toContain(secret);

  // Without JavaScript the method select still decides which fields show (CSS only).
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(page.url());
  await expect(plain.locator("#oauthTenantId")).toBeVisible();
  await expect(plain.locator("#password")).toBeHidden();
  await plain.locator("#authMethod").selectOption("PASSWORD");
  await expect(plain.locator("#password")).toBeVisible();
  await expect(plain.locator("#oauthTenantId")).toBeHidden();
  await noScript.close();

  const server = await db().mailServer.findFirstOrThrow();
  expect(server).toMatchObject({ authMethod: "OAUTH2", passwordBox: null, oauthClientId: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f" });
  expect(server.oauthSecretBox).toMatch(/^v1\./);
  await expect.poll(() => bodies.length).toBeGreaterThan(5);
  for (const body of bodies) expect(body).not.toContain(secret);
  const tables = await db().$queryRaw<{ dump: string }[]>`
    SELECT concat_ws(' ', (SELECT string_agg(t::text, ' ') FROM "MailServer" t), (SELECT string_agg(t::text, ' ') FROM "AuditEntry" t)) AS dump`;
  expect(tables[0]!.dump).not.toContain(secret);
  expect(await readFile(process.env.E2E_APP_LOG!, "utf8")).not.toContain(secret);
});

test("testing with another From that the server refuses says so, and the server stays 'Verbinding werkt'", async ({ page }) => {
  await signIn(page, ADMIN);
  await createLoopbackServer(page);
  await page.getByRole("button", { name: "Verbinding testen" }).click();
  await expect(page.getByTestId("probe-result")).toContainText("De verbinding werkt");
  const server = await db().mailServer.findFirstOrThrow();
  // The probe allows one test per few seconds.
  await db().mailServer.update({ where: { id: server.id }, data: { lastTestAt: new Date(Date.now() - 60_000) } });
  await page.getByLabel("Afzender (MAIL FROM)").fill("ander@klant.example");
  await page.getByRole("button", { name: "Verbinding testen" }).click();
  const summary = page.getByTestId("probe-summary");
  await expect(summary).toContainText("De server werkt, maar weigert afzender ander@klant.example.");
  await expect(summary).toContainText("Verbinden en inloggen zijn gelukt.");
  await expect(summary).not.toContainText("SendAsDenied");
  await expect(page.getByTestId("probe-result")).toHaveAttribute("data-tone", "warning");
  await page.goto(LIST);
  await expect(page.getByTestId("server-list")).toContainText("Verbinding werkt");
  await expect(page.getByTestId("server-list")).not.toContainText("Verbinding mislukt");
});

test("switching the type replaces what the previous preset filled in and keeps what was typed", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto(`${LIST}/nieuw`);
  await page.getByLabel("Type mailserver").selectOption("SENDGRID");
  await expect(page.getByLabel("Gebruikersnaam")).toHaveValue("apikey");
  await expect(page.getByLabel("Host")).toHaveValue("smtp.sendgrid.net");
  await page.getByLabel("Type mailserver").selectOption("BREVO");
  await expect(page.getByLabel("Gebruikersnaam")).toHaveValue("");
  await expect(page.getByLabel("Host")).toHaveValue("smtp-relay.brevo.com");
  await expect(page.getByTestId("limit-row")).toHaveCount(1);
  await expect(page.getByTestId("limit-sentence")).toHaveText("= 300 ontvangers per 24 uur");

  await page.getByLabel("Gebruikersnaam").fill("smtp-login@klant.example");
  await page.getByLabel("Poort").fill("2525");
  await page.getByLabel("Type mailserver").selectOption("MICROSOFT_365");
  await expect(page.getByLabel("Gebruikersnaam")).toHaveValue("smtp-login@klant.example");
  await expect(page.getByLabel("Poort")).toHaveValue("2525");
  await expect(page.getByLabel("Host")).toHaveValue("smtp.office365.com");
  await expect(page.getByLabel("Authenticatie")).toHaveValue("OAUTH2");
  await expect(page.getByTestId("limit-sentence")).toHaveText(["= 30 berichten per minuut", "= 10.000 ontvangers per 24 uur"]);
});

test("Annuleren goes back to where the form was opened and stores nothing", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto(LIST);
  await page.getByRole("link", { name: "+ Nieuwe mailserver" }).click();
  await page.getByLabel("Naam", { exact: true }).fill("Niet bewaren");
  await page.getByRole("link", { name: "Annuleren" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  expect(await db().mailServer.count()).toBe(0);

  await createLoopbackServer(page);
  const server = await db().mailServer.findFirstOrThrow();
  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Naam", { exact: true }).fill("Andere naam");
  await page.getByRole("link", { name: "Annuleren" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}/${server.id}$`));
  await expect(page.getByRole("heading", { name: "Eigen server" })).toBeVisible();
  expect((await db().mailServer.findFirstOrThrow()).name).toBe("Eigen server");
});

test("the acknowledgement for a server without encryption is asked once, shown ticked on edit, and asked again after encryption was on", async ({ page }) => {
  await signIn(page, ADMIN);
  await createLoopbackServer(page);
  const server = await db().mailServer.findFirstOrThrow();
  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Versleuteling").selectOption("NONE");
  const acknowledge = page.getByLabel("Ik begrijp dat e-mail en wachtwoord dan onversleuteld over het netwerk gaan.");
  await expect(acknowledge).not.toBeChecked();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.locator('[data-field-error="acceptInsecure"]')).toHaveText("Bevestig dat je de server zonder versleuteling wilt gebruiken.");
  await acknowledge.check();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Eigen server" })).toBeVisible();
  const given = (await db().mailServer.findFirstOrThrow()).insecureAcknowledgedAt;
  expect(given).toBeInstanceOf(Date);

  // Given once: ticked on the next edit, saved again without being asked.
  await page.goto(`${LIST}/${server.id}/aanpassen`);
  await expect(acknowledge).toBeChecked();
  await expect(page.getByTestId("insecure-warning")).toContainText("Je hebt dit eerder bevestigd");
  await page.getByLabel("Naam", { exact: true }).fill("Interne relay");
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Interne relay" })).toBeVisible();
  expect((await db().mailServer.findFirstOrThrow()).insecureAcknowledgedAt).toEqual(given);
  const audit = await db().auditEntry.findMany({ where: { action: "mailserver.update", entityId: server.id }, orderBy: { at: "asc" } });
  expect(audit[0]!.after).toMatchObject({ insecureAcknowledged: true });
  expect(audit[1]!.after).not.toHaveProperty("insecureAcknowledged");

  // Encrypted again: the acknowledgement is gone, and asked again for the next unencrypted save.
  await page.goto(`${LIST}/${server.id}/aanpassen`);
  await page.getByLabel("Versleuteling").selectOption("STARTTLS");
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Interne relay" })).toBeVisible();
  expect((await db().mailServer.findFirstOrThrow()).insecureAcknowledgedAt).toBeNull();
  await page.goto(`${LIST}/${server.id}/aanpassen`);
  await page.getByLabel("Versleuteling").selectOption("NONE");
  await expect(acknowledge).not.toBeChecked();
});
