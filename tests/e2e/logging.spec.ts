import { expect, test } from "@playwright/test";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { ADMIN, db, resetWithUsers, signIn } from "./support.ts";

/** The Logging page over 100,000 rows: filters, keyset paging, deferral and pause shown as such. */
test.describe.configure({ timeout: 120_000 });

test("the Logging lists, filters and pages 100,000 rows, and shows deferrals and a paused server", async ({ page }) => {
  await resetWithUsers();
  const server = await createServer(
    db(),
    { id: null, label: "test" },
    serverFormSchema.parse({
      name: "Drukke server",
      type: "GENERIC",
      host: "smtp.klant.example",
      port: "587",
      tlsMode: "STARTTLS",
      verifyCertificate: "on",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
    }),
  );
  await db().$executeRaw`
    INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount", subject, text,
      "messageIdHeader", status, "attemptCount", "giveUpAt", "createdAt", "updatedAt", "sentAt")
    SELECT gen_random_uuid(), 'APPLICATION', ${server.id}::uuid, 'Verzuimteam', 'verzuim@klant.example',
      ARRAY['medewerker' || i || '@werkgever.example'], '{}', '{}', 1, 'Bericht ' || i, 'Inhoud',
      '<' || i || '@klant.example>', (CASE WHEN i % 100 = 0 THEN 'FAILED' ELSE 'SENT' END)::"MessageStatus", 1,
      now() + interval '2 days', now() - (i || ' seconds')::interval, now(), now()
    FROM generate_series(100000, 1, -1) AS i`;
  const deferredAt = new Date(Date.now() + 3 * 60_000);
  await db().outboundMessage.updateMany({
    where: { serverId: server.id, subject: "Bericht 1" },
    data: { status: "DEFERRED", nextAttemptAt: deferredAt, deferredReason: "30/MINUTE/MESSAGES" },
  });
  await db().mailServer.update({ where: { id: server.id }, data: { pausedAt: new Date(), pausedReason: "wrong-credentials" } });
  await db().$executeRaw`ANALYZE "OutboundMessage"`;

  await signIn(page, ADMIN);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
  await expect(page.getByTestId("paused-banner")).toContainText("gestopt");
  await page.getByRole("link", { name: "Logging", exact: true }).click();
  const rows = page.getByTestId("message-log").locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("Uitgesteld tot");
  await expect(rows.first()).toContainText("limiet 30 berichten per minuut bereikt");

  await page.getByRole("link", { name: "Volgende" }).click();
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("Bericht 51");

  await page.getByTestId("log-filters").getByLabel("Mislukt").check();
  await page.getByRole("button", { name: "Toepassen" }).click();
  await expect(rows).toHaveCount(50);
  for (const status of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")))) expect(status).toBe("FAILED");
  await page.getByRole("link", { name: "Volgende" }).click();
  await expect(rows.first()).toContainText("Bericht 5100");
  await expect(page).toHaveURL(/status=FAILED/);

  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}/logging?ontvanger=medewerker777@werkgever.example`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Bericht 777");

  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
  await page.getByTestId("paused-banner").getByRole("button", { name: "Hervatten" }).click();
  await expect(page.getByTestId("paused-banner")).toHaveCount(0);
  expect((await db().mailServer.findUniqueOrThrow({ where: { id: server.id } })).pausedAt).toBeNull();
});

test("a partially sent message shows 'Deels verzonden' with its progress, a table per recipient, and is retried for the failed recipients only", async ({
  page,
}) => {
  await resetWithUsers();
  const server = await createServer(
    db(),
    { id: null, label: "test" },
    serverFormSchema.parse({
      name: "Postfix klant",
      type: "GENERIC",
      host: "smtp.klant.example",
      port: "587",
      tlsMode: "STARTTLS",
      verifyCertificate: "on",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
    }),
  );
  const at = new Date().toISOString();
  const message = await db().outboundMessage.create({
    data: {
      kind: "APPLICATION",
      serverId: server.id,
      fromName: "Verzuimteam",
      fromAddress: "verzuim@klant.example",
      to: ["jan@werknemer.example", "piet@werknemer.example", "kees@werknemer.example"],
      cc: ["hr@klant.example"],
      bcc: [],
      recipientCount: 4,
      subject: "Uw ziekmelding is ontvangen",
      text: "Inhoud",
      messageIdHeader: "<deels@klant.example>",
      status: "PARTIALLY_SENT",
      attemptCount: 2,
      giveUpAt: new Date(Date.now() + 3_600_000),
      sentAt: new Date(),
      recipientOutcomes: {
        "jan@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
        "piet@werknemer.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
        "hr@klant.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
        "kees@werknemer.example": { state: "FAILED", code: 550, reply: "550 5.1.1 <kees@werknemer.example>: Recipient address rejected: User unknown", at },
      },
    },
  });

  await signIn(page, ADMIN);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}/logging?status=PARTIALLY_SENT`);
  await expect(page.getByTestId("log-filters").getByLabel("Deels verzonden")).toBeChecked();
  const row = page.getByTestId("message-log").locator("tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Deels verzonden: 3 van 4 afgeleverd, 1 mislukt");

  await row.getByRole("link").click();
  await expect(page.getByTestId("message-status")).toHaveText("Deels verzonden");
  const table = page.getByTestId("recipient-outcomes");
  await expect(table).toContainText("4 ontvangers: 3 afgeleverd, 1 mislukt");
  const rows = table.locator("tbody tr");
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(2)).toContainText("kees@werknemer.example");
  await expect(rows.nth(2)).toContainText("Mislukt");
  await expect(rows.nth(2)).toContainText("550 5.1.1");
  await expect(rows.nth(3)).toContainText("hr@klant.example");
  await expect(rows.nth(3)).toContainText("Afgeleverd");

  await page.getByRole("button", { name: "Opnieuw proberen" }).click();
  // The button goes with the status it was for; the audit trail says what the retry was about.
  const retried = () => db().auditEntry.findFirst({ where: { action: "message.retry", entityId: message.id } });
  await expect.poll(async () => (await retried())?.after).toEqual({ status: "QUEUED", recipientsDelivered: 3, recipientsToSend: 1 });
  // The worker may already be at it; what was delivered stays delivered whatever it does.
  const after = await db().outboundMessage.findUniqueOrThrow({ where: { id: message.id } });
  expect(after.recipientOutcomes).toMatchObject({ "jan@werknemer.example": { state: "DELIVERED" }, "hr@klant.example": { state: "DELIVERED" } });
});
