import { expect, test } from "@playwright/test";
import { startTestDns, type TestDns, type TestZones } from "../support/dns.ts";
import { startTestSmtp, type ReceivedMail, type TestSmtp } from "../support/smtp.ts";
import { ADMIN, captureServerAction, db, HELPDESK, replayServerAction, resetWithUsers, signIn } from "./support.ts";

/**
 * Step 2 in the browser: the app resolves klant.example through the test DNS server (its
 * DNS_SERVERS) and delivers the ownership code to the test MX on MX_PORT; the configuration
 * code goes through the customer's own (test) server.
 */
const PASSWORD = "Klant-Wachtwoord-e2e";
let dns: TestDns;
let zones: TestZones;
let mx: TestSmtp;
let customer: TestSmtp;

const codeIn = (mail: ReceivedMail) => /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(mail.raw)![1]!;

test.beforeAll(async () => {
  zones = { "klant.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] }, "mx.klant.example": { A: ["127.0.0.1"] } };
  dns = await startTestDns(zones, Number(process.env.E2E_DNS_PORT));
  mx = await startTestSmtp({ port: Number(process.env.E2E_MX_PORT) });
  customer = await startTestSmtp({ auth: { user: "verzuim@klant.example", pass: PASSWORD } });
});
test.afterAll(async () => {
  await Promise.all([dns.close(), mx.close(), customer.close()]);
});
test.beforeEach(async () => {
  await resetWithUsers();
  mx.received.length = 0;
  customer.received.length = 0;
});

async function createCustomerServer(page: import("@playwright/test").Page) {
  await page.goto("/beheer/applicatieinstellingen/mailservers/nieuw");
  await page.getByLabel("Naam", { exact: true }).fill("Eigen Exchange");
  await page.getByLabel("Type mailserver").selectOption("GENERIC");
  await page.getByLabel("Host").fill("127.0.0.1");
  await page.getByLabel("Poort").fill(String(customer.port));
  await page.getByLabel("Certificaat controleren").uncheck();
  await page.getByLabel("Gebruikersnaam").fill("verzuim@klant.example");
  await page.getByLabel("Wachtwoord").fill(PASSWORD);
  await page.getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { name: "Eigen Exchange" })).toBeVisible();
}

test("add a sender, read both codes from the two servers, enter them swapped: the sender becomes 'geverifieerd'", async ({ page }) => {
  await signIn(page, ADMIN);
  await createCustomerServer(page);
  const senders = page.getByTestId("senders");
  await expect(senders).toContainText("Nog geen afzenders.");
  await senders.getByLabel("Naam van de afzender").fill("Verzuimteam");
  await senders.getByLabel("E-mailadres van de afzender").fill("verzuim@klant.example");
  await senders.getByRole("button", { name: "Codes versturen" }).click();

  await expect(page.getByRole("heading", { name: "Verzuimteam" })).toBeVisible();
  await expect(page.locator("[data-sender-state]").first()).toHaveText("Wacht op verificatie");
  await expect.poll(() => mx.received.length + customer.received.length, { timeout: 20_000 }).toBe(2);
  const ownership = codeIn(mx.received[0]!);
  const configuration = codeIn(customer.received[0]!);

  await page.getByLabel("Code 1").fill(configuration);
  await page.getByLabel("Code 2").fill(ownership);
  await page.getByRole("button", { name: "Verifiëren" }).click();
  await expect(page.locator("[data-sender-state]").first()).toHaveText("Geverifieerd");
  await expect(page.getByLabel("Code 1")).toHaveCount(0);
  await page.getByRole("link", { name: /Terug naar Eigen Exchange/ }).click();
  await expect(page.getByTestId("senders").getByRole("row", { name: /verzuim@klant.example/ })).toContainText("Geverifieerd");
});

test("the sender page shows the DMARC check with the records to add; after adding them 'Opnieuw controleren' says it will pass", async ({ page }) => {
  await signIn(page, ADMIN);
  await createCustomerServer(page);
  const serverUrl = page.url();
  const senders = page.getByTestId("senders");
  await senders.getByLabel("Naam van de afzender").fill("Verzuimteam");
  await senders.getByLabel("E-mailadres van de afzender").fill("verzuim@klant.example");
  await senders.getByRole("button", { name: "Codes versturen" }).click();
  await expect(page.getByRole("heading", { name: "Verzuimteam" })).toBeVisible();

  // Checked when the sender was added, before any code is entered.
  const preflight = page.getByTestId("preflight");
  await expect(preflight.getByRole("heading", { name: "DMARC-controle" })).toBeVisible();
  await expect(preflight.locator("[data-preflight-verdict]")).toHaveText("risico");
  await expect(preflight.getByTestId("preflight-reasons")).toContainText("Er is geen DMARC-record");
  const records = preflight.getByTestId("preflight-records");
  await expect(records.getByRole("row", { name: /_dmarc\.klant\.example/ })).toContainText("v=DMARC1; p=none; rua=mailto:dmarc@klant.example");

  zones["klant.example"]!.TXT = [["v=spf1 ip4:127.0.0.1 -all"]];
  zones["_dmarc.klant.example"] = { TXT: [["v=DMARC1; p=quarantine; rua=mailto:dmarc@klant.example"]] };
  try {
    await preflight.getByRole("button", { name: "Opnieuw controleren" }).click();
    await expect(preflight.getByRole("status")).toHaveText("Opnieuw gecontroleerd: zal DMARC halen.");
    await expect(preflight.locator("[data-preflight-verdict]")).toHaveText("zal DMARC halen");
    await expect(preflight.locator('tr[data-check="dmarc"]')).toContainText("v=DMARC1; p=quarantine");
    await expect(preflight.getByTestId("preflight-records")).toHaveCount(0);
    await page.goto(serverUrl);
    await expect(page.getByTestId("senders").getByRole("row", { name: /verzuim@klant.example/ })).toContainText("zal DMARC halen");
  } finally {
    delete zones["klant.example"]!.TXT;
    delete zones["_dmarc.klant.example"];
  }
});

test("a wrong code is counted and shown; the verification mails link to their log with the MX that was tried", async ({ page }) => {
  await signIn(page, ADMIN);
  await createCustomerServer(page);
  const senders = page.getByTestId("senders");
  await senders.getByLabel("Naam van de afzender").fill("Verzuimteam");
  await senders.getByLabel("E-mailadres van de afzender").fill("verzuim@klant.example");
  await senders.getByRole("button", { name: "Codes versturen" }).click();
  await expect.poll(() => mx.received.length + customer.received.length, { timeout: 20_000 }).toBe(2);

  await page.getByLabel("Code 1").fill("AAAAA-AAAAA");
  await page.getByLabel("Code 2").fill(codeIn(mx.received[0]!));
  await page.getByRole("button", { name: "Verifiëren" }).click();
  await expect(page.getByTestId("verify-form").getByRole("alert")).toHaveText("Deze codes kloppen niet. Nog 4 pogingen.");

  await page.reload();
  const mails = page.getByTestId("verification-mails");
  await expect(mails.locator('tr[data-kind="OWNERSHIP_CODE"]')).toContainText("Verzonden");
  await mails.locator('tr[data-kind="OWNERSHIP_CODE"]').getByRole("link", { name: "Bekijk in de logging" }).click();
  await expect(page.getByTestId("message-status")).toHaveText("Verzonden");
  await expect(page.getByTestId("attempt").first()).toContainText("Rechtstreeks naar de MX van het domein");
  await expect(page.getByTestId("attempt").first()).toContainText("mx.klant.example");
  await page.getByRole("link", { name: /Logging van de eigen aflevering/ }).click();
  await expect(page.getByTestId("message-log")).toContainText("Verificatiecode (eigendom)");
});

test("the domain must take mail: an address whose domain has no MX or A record is refused and nothing is stored", async ({ page }) => {
  await signIn(page, ADMIN);
  await createCustomerServer(page);
  const senders = page.getByTestId("senders");
  await senders.getByLabel("Naam van de afzender").fill("Niemand");
  await senders.getByLabel("E-mailadres van de afzender").fill("iemand@bestaat-niet.example");
  await senders.getByRole("button", { name: "Codes versturen" }).click();
  await expect(senders.locator('[data-field-error="address"]')).toContainText("heeft geen MX-record");
  expect(await db().sender.count()).toBe(0);
  expect(await db().outboundMessage.count()).toBe(0);
});

test("a Helpdesk user sees the sender but adding, verifying, resending and removing are refused, also as crafted calls", async ({ page, browser, baseURL }) => {
  await signIn(page, ADMIN);
  await createCustomerServer(page);
  const serverUrl = page.url();
  const senders = page.getByTestId("senders");
  await senders.getByLabel("Naam van de afzender").fill("Verzuimteam");
  await senders.getByLabel("E-mailadres van de afzender").fill("verzuim@klant.example");
  await senders.getByRole("button", { name: "Codes versturen" }).click();
  await expect(page.getByRole("heading", { name: "Verzuimteam" })).toBeVisible();
  const senderUrl = page.url().replace(/\?.*$/, "");
  await expect.poll(() => mx.received.length + customer.received.length, { timeout: 20_000 }).toBe(2);

  await page.getByLabel("Code 1").fill(codeIn(mx.received[0]!));
  await page.getByLabel("Code 2").fill(codeIn(customer.received[0]!));
  const verify = await captureServerAction(page, () => page.getByRole("button", { name: "Verifiëren" }).click());
  await page.goto(senderUrl);
  const resend = await captureServerAction(page, () => page.getByRole("button", { name: "Codes opnieuw versturen" }).click());
  await page.goto(senderUrl);
  const recheck = await captureServerAction(page, () => page.getByRole("button", { name: "Opnieuw controleren" }).click());
  await page.goto(senderUrl);
  page.once("dialog", (dialog) => void dialog.accept());
  const remove = await captureServerAction(page, () => page.getByRole("button", { name: "Afzender verwijderen" }).click());
  await page.goto(serverUrl);
  await page.getByTestId("senders").getByText("+ Afzender toevoegen").click();
  await page.getByTestId("senders").getByLabel("Naam van de afzender").fill("Tweede");
  await page.getByTestId("senders").getByLabel("E-mailadres van de afzender").fill("tweede@klant.example");
  const add = await captureServerAction(page, () => page.getByTestId("senders").getByRole("button", { name: "Codes versturen" }).click());

  const before = { senders: await db().sender.findMany(), rounds: await db().senderVerification.findMany(), messages: await db().outboundMessage.count() };
  for (const request of [verify, resend, recheck, remove, add]) {
    expect(await replayServerAction(browser, baseURL!, HELPDESK, request)).toContain('"status":403');
  }
  expect(await db().sender.findMany()).toEqual(before.senders);
  expect(await db().senderVerification.findMany()).toEqual(before.rounds);
  expect(await db().outboundMessage.count()).toBe(before.messages);

  const helpdesk = await browser.newContext();
  const helpdeskPage = await helpdesk.newPage();
  await signIn(helpdeskPage, HELPDESK);
  await helpdeskPage.goto(senderUrl);
  await expect(helpdeskPage.getByRole("heading", { name: "Verzuimteam" })).toBeVisible();
  await expect(helpdeskPage.getByLabel("Code 1")).toHaveCount(0);
  await expect(helpdeskPage.getByRole("button", { name: "Afzender verwijderen" })).toHaveCount(0);
  await expect(helpdeskPage.getByTestId("preflight").locator("[data-preflight-verdict]")).toHaveText("risico");
  await expect(helpdeskPage.getByRole("button", { name: "Opnieuw controleren" })).toHaveCount(0);
  await helpdesk.close();
});
