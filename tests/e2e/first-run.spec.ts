import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { startTestDns, type TestDns } from "../support/dns.ts";
import { startTestSmtp, type ReceivedMail, type TestSmtp } from "../support/smtp.ts";
import { ADMIN, resetWithUsers, signIn } from "./support.ts";

/**
 * The source article's three steps as a new administrator takes them, on a phone and on a
 * desktop: (1) a server from the form's presets, tested; (2) a sender, both codes read from the
 * two mails (the ownership code from the domain's MX, the configuration code from the customer's
 * own server, as in senders.spec.ts); (3) the sender linked to an e-mail master template. Along
 * the way: the notices survive a reload, the fifth wrong code leaves a notice, and a verification
 * mail held up at the MX turns "Verzonden" on screen without a reload. The screenshots in
 * docs/screenshots/ are written by this run, so they show the product as it is.
 */
const PASSWORD = "Klant-Wachtwoord-e2e";
const SCREENSHOTS = join(process.cwd(), "docs", "screenshots");
const SIZES = [
  { name: "phone", viewport: { width: 390, height: 844 } },
  { name: "desktop", viewport: { width: 1280, height: 800 } },
] as const;

let dns: TestDns;
let mx: TestSmtp;
let customer: TestSmtp;
/** While set, the MX takes a message but answers only when it is released: the mail stays "Bezig". */
let holdMx: { release: () => void; released: Promise<void> } | null = null;
const mxReceived: ReceivedMail[] = [];

const codeIn = (mail: ReceivedMail) => /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(mail.raw)![1]!;

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  dns = await startTestDns(
    { "klant.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] }, "mx.klant.example": { A: ["127.0.0.1"] } },
    Number(process.env.E2E_DNS_PORT),
  );
  mx = await startTestSmtp({
    port: Number(process.env.E2E_MX_PORT),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: [],
          raw: Buffer.concat(chunks).toString("utf8"),
          receivedAt: 0,
        };
        const accept = () => {
          mxReceived.push(mail);
          callback();
        };
        if (holdMx) void holdMx.released.then(accept);
        else accept();
      });
    },
  });
  customer = await startTestSmtp({ auth: { user: "verzuim@klant.example", pass: PASSWORD } });
});
test.afterAll(async () => {
  holdMx?.release();
  await Promise.all([dns.close(), mx.close(), customer.close()]);
});
test.beforeEach(async () => {
  await resetWithUsers();
  mxReceived.length = 0;
  customer.received.length = 0;
});

function hold() {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  holdMx = { release, released };
  return () => {
    holdMx = null;
    release();
  };
}

async function addSender(page: Page, name: string, address: string) {
  const senders = page.getByTestId("senders");
  const summary = senders.getByText("+ Afzender toevoegen");
  if (!(await senders.getByLabel("Naam van de afzender").isVisible())) await summary.click();
  await senders.getByLabel("Naam van de afzender").fill(name);
  await senders.getByLabel("E-mailadres van de afzender").fill(address);
  await senders.getByRole("button", { name: "Codes versturen" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

for (const size of SIZES) {
  test(`the three steps on a ${size.name} (${size.viewport.width}×${size.viewport.height}), with notices that stay and live status`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(size.viewport);
    await signIn(page, ADMIN);

    // The guide on Mailserver beheer: nothing done yet, step 1 leads to the server form.
    await page.goto("/beheer/applicatieinstellingen/mailservers");
    const guide = page.getByTestId("first-run");
    await expect(guide).toHaveAttribute("data-complete", "false");
    await expect(guide).toContainText("0 van de 3 stappen klaar");
    await page.screenshot({ path: join(SCREENSHOTS, `guide-${size.name}.png`), fullPage: true });
    await guide.getByRole("link", { name: "Nieuwe mailserver" }).click();

    // Step 1: a server from a preset (generic SMTP, the customer's own server on loopback), then tested.
    await page.getByLabel("Naam", { exact: true }).fill("Eigen Exchange");
    await page.getByLabel("Type mailserver").selectOption("GENERIC");
    await page.getByLabel("Host").fill("127.0.0.1");
    await page.getByLabel("Poort").fill(String(customer.port));
    await page.getByLabel("Certificaat controleren").uncheck();
    await page.getByLabel("Gebruikersnaam").fill("verzuim@klant.example");
    await page.getByLabel("Wachtwoord").fill(PASSWORD);
    await page.getByRole("button", { name: "Opslaan" }).click();
    await expect(page.getByRole("heading", { name: "Eigen Exchange" })).toBeVisible();
    const created = page.getByTestId("page-notice");
    await expect(created).toContainText("Mailserver Eigen Exchange is aangemaakt");
    await page.reload();
    await expect(created).toContainText("Mailserver Eigen Exchange is aangemaakt");
    await expect(created.getByRole("link", { name: "Voeg een afzender toe" })).toBeVisible();
    await created.getByRole("link", { name: "Test de verbinding" }).click();
    await expect(page).toHaveURL(/#verbinding-testen$/);
    await page.getByRole("button", { name: "Verbinding testen" }).click();
    await expect(page.getByTestId("probe-result").first()).toContainText("De verbinding werkt");
    await page.screenshot({ path: join(SCREENSHOTS, `step1-${size.name}.png`), fullPage: true });
    const serverUrl = page.url().replace(/[?#].*$/, "");

    // Step 2: a sender; the ownership mail is held at the MX, and the page shows it turn "Verzonden" by itself.
    const release = hold();
    await addSender(page, "Verzuimteam", "verzuim@klant.example");
    const added = page.getByTestId("page-notice");
    await expect(added).toContainText("Er zijn twee e-mails met een code onderweg");
    const ownershipRow = page.getByTestId("verification-mails").locator('tr[data-kind="OWNERSHIP_CODE"]');
    await expect(ownershipRow).toContainText(/In wachtrij|Bezig|Opnieuw proberen/);
    await expect(page.getByTestId("live-refresh")).toBeVisible();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    release();
    await expect(ownershipRow).toContainText("Verzonden", { timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expect.poll(() => customer.received.length, { timeout: 20_000 }).toBe(1);
    await expect(page.getByTestId("verification-mails").locator('tr[data-kind="CONFIGURATION_CODE"]')).toContainText("Verzonden");
    await expect(page.getByTestId("live-refresh")).toHaveCount(0);
    await page.screenshot({ path: join(SCREENSHOTS, `step2-${size.name}.png`), fullPage: true });

    await page.getByLabel("Code 1").fill(codeIn(customer.received[0]!));
    await page.getByLabel("Code 2").fill(codeIn(mxReceived[0]!));
    await page.getByRole("button", { name: "Verifiëren" }).click();
    const verified = page.getByTestId("page-notice");
    await expect(verified).toContainText("Afzender verzuim@klant.example is geverifieerd en kan nu aan sjablonen worden gekoppeld.");
    await expect(page.locator("[data-sender-state]").first()).toHaveText("Geverifieerd");
    await page.reload();
    await expect(verified).toContainText("is geverifieerd");
    // The notice of the step before is gone: no codes are on their way any more.
    await expect(page.getByText("twee e-mails met een code onderweg")).toHaveCount(0);

    // Step 3: straight on from the notice to the templates, and link the sender.
    await verified.getByRole("link", { name: "Koppel aan een e-mail master sjabloon" }).click();
    await page
      .getByTestId("template-list")
      .getByRole("link", { name: /Verzuimmeldingen werkgever/ })
      .click();
    await page.getByRole("link", { name: "Aanpassen" }).click();
    await page.getByLabel("Email Server").selectOption({ label: "Eigen Exchange" });
    await page.getByLabel("Afzender").selectOption({ label: "Verzuimteam <verzuim@klant.example>" });
    await page.getByRole("button", { name: "Route opslaan" }).click();
    await expect(page.getByTestId("route-form").getByRole("status")).toContainText("Nieuwe e-mails gaan via Eigen Exchange");
    await page.screenshot({ path: join(SCREENSHOTS, `step3-${size.name}.png`), fullPage: true });

    // All three done: the guide folds into one line.
    await page.goto("/beheer/applicatieinstellingen/mailservers");
    await expect(page.getByTestId("first-run")).toHaveAttribute("data-complete", "true");
    await expect(page.getByTestId("first-run")).toContainText("Alle drie de stappen zijn gedaan");

    // A second sender, five wrong codes: the codes are blocked, and the page says so after the form is gone, also after a reload.
    await page.goto(serverUrl);
    await addSender(page, "Tweede", "tweede@klant.example");
    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.getByLabel("Code 1").fill("AAAAA-AAAAA");
      await page.getByLabel("Code 2").fill("BBBBB-BBBBB");
      await page.getByRole("button", { name: "Verifiëren" }).click();
      if (attempt < 5) await expect(page.getByTestId("verify-form").getByRole("alert")).toContainText(`Nog ${5 - attempt}`);
    }
    const locked = page.getByTestId("page-notice");
    await expect(locked).toContainText("Vijf keer een verkeerde code: de codes voor tweede@klant.example zijn geblokkeerd");
    await expect(page.getByLabel("Code 1")).toHaveCount(0);
    await expect(page.getByText("twee e-mails met een code onderweg")).toHaveCount(0);
    await page.reload();
    await expect(locked).toContainText("zijn geblokkeerd");
    // Closed, it stays closed.
    await locked.getByRole("link", { name: "Melding sluiten" }).click();
    await expect(page.getByTestId("page-notice")).toHaveCount(0);
    await expect(page).not.toHaveURL(/melding=/);
  });
}
