import { expect, test } from "@playwright/test";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { startTestSmtp, type TestSmtp } from "../support/smtp.ts";
import { ADMIN, db, resetWithUsers, signIn } from "./support.ts";

/** Step 3: link a verified sender to a master template; new mail follows, queued mail keeps its route. */
let customer: TestSmtp;
const actor = { id: null, label: "test" };

test.beforeAll(async () => {
  customer = await startTestSmtp();
});
test.afterAll(async () => {
  await customer.close();
});

async function seedRoute() {
  await resetWithUsers();
  customer.received.length = 0;
  const server = await createServer(
    db(),
    actor,
    serverFormSchema.parse({
      name: "Exchange werkgever",
      type: "GENERIC",
      host: "127.0.0.1",
      port: String(customer.port),
      tlsMode: "STARTTLS",
      verifyCertificate: "",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
    }),
  );
  // Verification itself is covered by the sender tests; here a verified sender is the starting point.
  await db().sender.create({ data: { serverId: server.id, displayName: "Verzuimteam", address: "verzuim@klant.example", state: "VERIFIED" } });
  await db().sender.create({ data: { serverId: server.id, displayName: "Nog niet", address: "nieuw@klant.example" } });
  const { key } = await createApiKey(db(), actor, { name: "Verzuimapplicatie" });
  return { server, key };
}

test("link a verified sender to a template: new mail goes through that server as that sender, queued mail keeps its route", async ({ page, request }) => {
  const { server, key } = await seedRoute();
  const submit = (subject: string) =>
    request.post("/api/v1/messages", {
      headers: { authorization: `Bearer ${key}` },
      data: { template: "verzuim-werkgever", to: ["leidinggevende@werkgever.example"], subject, html: "<p>Jan is ziek gemeld.</p>" },
    });
  const before = await submit("Voor de wijziging");
  expect(before.status()).toBe(202);
  const beforeId = (await before.json()).id as string;

  await signIn(page, ADMIN);
  await page.goto("/beheer/applicatieinstellingen/sjablonen");
  await page
    .getByTestId("template-list")
    .getByRole("link", { name: /Verzuimmeldingen werkgever/ })
    .click();
  await expect(page.getByTestId("template-server")).toHaveText("Standaard (eigen aflevering van het platform)");
  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Email Server").selectOption({ label: "Exchange werkgever" });
  const senderOptions = await page.getByLabel("Afzender").locator("option").allTextContents();
  expect(senderOptions.join()).toContain("verzuim@klant.example");
  expect(senderOptions.join()).not.toContain("nieuw@klant.example");
  await page.getByLabel("Afzender").selectOption({ label: "Verzuimteam <verzuim@klant.example>" });
  await page.getByRole("button", { name: "Route opslaan" }).click();
  await expect(page.getByTestId("route-form").getByRole("status")).toContainText("Nieuwe e-mails gaan via Exchange werkgever");

  const after = await submit("Na de wijziging");
  expect(after.status()).toBe(202);
  const afterId = (await after.json()).id as string;
  const [first, second] = await Promise.all([
    db().outboundMessage.findUniqueOrThrow({ where: { id: beforeId } }),
    db().outboundMessage.findUniqueOrThrow({ where: { id: afterId } }),
  ]);
  expect(first.serverId).toBeNull();
  expect(second).toMatchObject({ serverId: server.id, fromAddress: "verzuim@klant.example", fromName: "Verzuimteam" });

  await expect.poll(() => customer.received.length, { timeout: 20_000 }).toBe(1);
  expect(customer.received[0]!.from).toBe("verzuim@klant.example");
  expect(customer.received[0]!.raw).toContain("Jan is ziek gemeld.");
  const status = await request.get(`/api/v1/messages/${afterId}`, { headers: { authorization: `Bearer ${key}` } });
  expect(await status.json()).toMatchObject({ id: afterId, status: "SENT", route: { server: { name: "Exchange werkgever" } } });

  await page.goto("/beheer/applicatieinstellingen/sjablonen");
  await page
    .getByTestId("template-list")
    .getByRole("link", { name: /Verzuimmeldingen werkgever/ })
    .click();
  await expect(page.getByTestId("template-sender")).toHaveText("Verzuimteam <verzuim@klant.example>");
});

test("a medical template on the employer's server needs the FG's agreement, which is recorded and shown", async ({ page }) => {
  await seedRoute();
  await signIn(page, ADMIN);
  await page.goto("/beheer/applicatieinstellingen/sjablonen");
  await page
    .getByTestId("template-list")
    .getByRole("link", { name: /Uitnodiging spreekuur bedrijfsarts/ })
    .click();
  await page.getByRole("link", { name: "Aanpassen" }).click();
  await page.getByLabel("Email Server").selectOption({ label: "Exchange werkgever" });
  await page.getByLabel("Afzender").selectOption({ label: "Verzuimteam <verzuim@klant.example>" });
  await page.getByRole("button", { name: "Route opslaan" }).click();
  await expect(page.locator('[data-field-error="fgConsent"]')).toContainText("niet door de medische dienst beheerd");
  expect((await db().masterTemplate.findUniqueOrThrow({ where: { key: "spreekuur-medisch" } })).serverId).toBeNull();

  await page.getByLabel("De privacyverantwoordelijke/FG heeft ingestemd").check();
  await page.getByRole("button", { name: "Route opslaan" }).click();
  await expect(page.getByTestId("route-form").getByRole("status")).toBeVisible();
  await page.goto("/beheer/applicatieinstellingen/sjablonen");
  await page
    .getByTestId("template-list")
    .getByRole("link", { name: /Uitnodiging spreekuur bedrijfsarts/ })
    .click();
  await expect(page.getByTestId("fg-badge")).toContainText(`FG-instemming: ${ADMIN.email}`);
  await page.goto("/audit");
  await expect(page.getByRole("row", { name: /privacyverantwoordelijke\/FG instemt/ })).toContainText("Exchange werkgever");
});

test("Testbericht versturen sends a sample along the template's route and links to its log entry", async ({ page }) => {
  await seedRoute();
  await signIn(page, ADMIN);
  await page.goto("/beheer/applicatieinstellingen/sjablonen");
  await page
    .getByTestId("template-list")
    .getByRole("link", { name: /Algemene notificaties/ })
    .click();
  await page.getByLabel("Naar e-mailadres").fill("test@ontvanger.example");
  await page.getByRole("button", { name: "Testbericht versturen" }).click();
  await expect(page.getByTestId("test-message-form").getByRole("status")).toContainText("Het testbericht staat in de wachtrij.");
  await page.getByRole("link", { name: "Bekijk in de logging" }).click();
  await expect(page.getByRole("heading", { name: "Testbericht van sjabloon Algemene notificaties" })).toBeVisible();
  const message = await db().outboundMessage.findFirstOrThrow({ where: { kind: "TEST" } });
  expect(message).toMatchObject({ serverId: null, to: ["test@ontvanger.example"] });
});
