import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { recordAudit } from "@/lib/audit/record.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME } from "@/lib/templates/frames.ts";
import { createTemplate, setTemplateRoute } from "@/lib/templates/mutations.ts";
import { ADMIN, db, HELPDESK, resetWithUsers, signIn } from "./support.ts";

function serverInput(name: string, managedBy: "WERKGEVER" | "MEDISCHE_DIENST") {
  return serverFormSchema.parse({
    name,
    type: "GENERIC",
    host: "smtp.klant.example",
    port: "587",
    tlsMode: "STARTTLS",
    verifyCertificate: "on",
    authMethod: "NONE",
    managedBy,
  });
}

/** A medical template routed through the employer's server with the FG's consent, and a failed connection test. */
async function seedTrail() {
  await resetWithUsers();
  const admin = await db().user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const actor = { id: admin.id, label: admin.email, clientAddress: "192.0.2.10" };
  const server = await createServer(db(), actor, serverInput("Exchange werkgever", "WERKGEVER"));
  await createServer(db(), actor, serverInput("Arbodienst relay", "MEDISCHE_DIENST"));
  const sender = await db().sender.create({ data: { serverId: server.id, displayName: "Verzuim", address: "verzuim@klant.example", state: "VERIFIED" } });
  const frames = { htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME };
  const medical = await createTemplate(db(), actor, { name: "Spreekuur bedrijfsarts", key: "spreekuur-e2e", carries: "MEDISCH", ...frames });
  await setTemplateRoute(db(), actor, { templateId: medical.id, serverId: server.id, senderId: sender.id, fgConsent: true });
  await db().$transaction((tx) =>
    recordAudit(tx, {
      actor,
      action: "mailserver.test",
      params: { name: server.name, ok: false, failedStep: "resolve" },
      entityType: "MailServer",
      entityId: server.id,
      after: { ok: false, failedStep: "resolve", steps: [{ step: "resolve", ok: false, code: null, ms: 3 }] },
    }),
  );
  return { server, medical };
}

test.beforeEach(async () => {
  await seedTrail();
});

test("the audit trail speaks Dutch: labels, sentences and changes, never an action code", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/audit");
  const table = page.getByTestId("audit-table");
  const body = await page.locator("main").innerText();
  expect(body).not.toMatch(/\b(mailserver|template|sender|role|user|apikey|audit)\.[a-zA-Z]/);
  expect(body).not.toMatch(/resolve|MEDISCHE_DIENST|WERKGEVER/);

  const test = table.getByRole("row", { name: /Verbinding getest/ });
  await expect(test).toContainText("Verbinding van “Exchange werkgever” getest: mislukt bij stap “Adres opzoeken”");

  // The details are folded away; opened, they read "veld: oud → nieuw" with the catalog's labels.
  const route = table.getByRole("row", { name: /Route van sjabloon gewijzigd/ });
  const changes = route.getByTestId("audit-changes");
  await expect(changes).toBeHidden();
  await route.getByText("Details").click();
  await expect(changes).toContainText("Route: eigen aflevering van het platform → Exchange werkgever / verzuim@klant.example");
  await expect(changes).toContainText("Adres: 192.0.2.10");
});

test("filters by what and by server, names a bad filter, and pages by keyset", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/audit");
  await page.getByLabel("Wat", { exact: true }).selectOption({ label: "Routes en FG-toestemming" });
  await page.getByLabel("Mailserver", { exact: true }).selectOption({ label: "Exchange werkgever" });
  await page.getByRole("button", { name: "Filteren" }).click();
  await expect(page).toHaveURL(/wat=group%3Aroutes/);
  const table = page.getByTestId("audit-table");
  await expect(table.getByRole("row")).toHaveCount(1 + 2);
  await expect(table.getByRole("row", { name: /FG-toestemming bevestigd/ })).toContainText("(beheerd door: Werkgever)");
  // The form keeps the filter it shows.
  await expect(page.getByLabel("Wat", { exact: true })).toHaveValue("group:routes");

  await page.getByLabel("Mailserver", { exact: true }).selectOption({ label: "Arbodienst relay" });
  await page.getByRole("button", { name: "Filteren" }).click();
  await expect(page.getByText("Nog geen wijzigingen vastgelegd.")).toBeVisible();

  // A date that is none is named; the rest of the filter still applies and nothing breaks.
  await page.goto("/audit?van=gisteren&wat=mailserver.test");
  await expect(page.getByTestId("audit-filter-problems")).toHaveText("Niet gebruikt in het filter: Van (geen datum als 2026-12-01).");
  await expect(page.getByTestId("audit-table").getByRole("row")).toHaveCount(1 + 1);

  // 60 more entries: the first page holds 50, "Oudere wijzigingen" the rest, none twice.
  await db().$executeRaw`
    INSERT INTO "AuditEntry" ("at", "actorLabel", "action", "entityType", "summary", "params")
    SELECT now() - g * interval '1 minute', 'x', 'role.create', 'Role', 'r', jsonb_build_object('name', 'Rol ' || g) FROM generate_series(1, 60) g`;
  await page.goto("/audit?wat=role.create");
  await expect(page.getByTestId("audit-table").getByRole("row")).toHaveCount(1 + 50);
  await page.getByTestId("audit-older").click();
  await expect(page).toHaveURL(/voor=\d+-\d+/);
  await expect(page.getByTestId("audit-table").getByRole("row")).toHaveCount(1 + 10);
  await expect(page.getByTestId("audit-older")).toHaveCount(0);
  await page.getByRole("link", { name: "Naar de nieuwste" }).click();
  await expect(page.getByTestId("audit-table").getByRole("row")).toHaveCount(1 + 50);
});

test("exports the filtered trail as CSV for Dutch Excel, and the export is itself in the trail", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/audit");
  await page.getByLabel("Wat", { exact: true }).selectOption({ label: "Routes en FG-toestemming" });
  await page.getByRole("button", { name: "Filteren" }).click();
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Exporteren als CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^audittrail-\d{4}-\d{2}-\d{2}\.csv$/);
  const bytes = await readFile((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString("utf8").split("\r\n").filter(Boolean);
  expect(lines[0]).toBe("Moment (Nederlandse tijd);Wie;Actie;Omschrijving;Object;Wijzigingen;Clientadres");
  expect(lines).toHaveLength(1 + 2);
  expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2};beheerder@example\.test;FG-toestemming bevestigd;/);
  expect(lines[1]).toContain("Bevestigd door: beheerder@example.test");
  expect(lines[1]).toMatch(/;192\.0\.2\.10$/);
  expect(lines[2]).toContain(";Route van sjabloon gewijzigd;");

  await page.goto("/audit?wat=audit.export");
  const exported = page.getByTestId("audit-table").getByRole("row", { name: /Audittrail geëxporteerd/ });
  await expect(exported).toContainText("Audittrail geëxporteerd als CSV (wat: Routes en FG-toestemming)");
  await expect(exported).toContainText(ADMIN.email);
});

test("without the right to view the audit trail: 403 on the page and on the export", async ({ page }) => {
  await signIn(page, HELPDESK);
  expect((await page.goto("/audit"))?.status()).toBe(403);
  const response = await page.request.get("/audit/export");
  expect(response.status()).toBe(403);
  expect(response.headers()["content-type"]).not.toContain("csv");
  expect(await db().auditEntry.count({ where: { action: "audit.export" } })).toBe(0);
});
