import { expect, test } from "@playwright/test";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { ADMIN, db, HELPDESK, resetWithUsers, signIn } from "./support.ts";

/**
 * The server page after the server throttled below the configured limit (what the engine records
 * is covered in tests/integration/learned-limits.test.ts): the observed ceiling is suggested, the
 * throttle reply is explained, and the administrator takes the suggestion over with one click.
 */
async function throttledServer() {
  const server = await createServer(
    db(),
    { id: null, label: "test" },
    serverFormSchema.parse({
      name: "Relay met plafond",
      type: "GENERIC",
      host: "smtp.klant.example",
      port: "587",
      tlsMode: "STARTTLS",
      verifyCertificate: "on",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
      limitCount: ["10"],
      limitSize: ["1"],
      limitWindow: ["MINUTE"],
      limitUnit: ["MESSAGES"],
    }),
  );
  const reply = "450 4.7.0 Rate limit exceeded, slow down";
  for (const minutesAgo of [3, 2, 1]) {
    await db().limitObservation.create({
      data: { serverId: server.id, at: new Date(Date.now() - minutesAgo * 60_000), window: "MINUTE", unit: "MESSAGES", observed: 5, configured: 10, reply },
    });
  }
  await db().mailServer.update({ where: { id: server.id }, data: { deferredUntil: new Date(Date.now() + 60_000), deferredReason: `server: ${reply}` } });
  return server;
}

test.beforeEach(async () => {
  await resetWithUsers();
});

test("a server that throttles at 5 per minute while 10 is configured shows 'waargenomen plafond ≈ 5 per minuut', and the limit is taken over", async ({ page }) => {
  const server = await throttledServer();
  await signIn(page, ADMIN);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
  const suggestion = page.getByTestId("limit-suggestion");
  await expect(suggestion).toContainText("Waargenomen plafond ≈ 5 per minuut");
  await expect(suggestion).toContainText("ingestelde limiet van 10");
  await expect(suggestion).toContainText("3 keer waargenomen");
  // The deferral names the throttle reply and what it means.
  await expect(page.getByTestId("deferred")).toContainText("remt");

  await suggestion.getByRole("button", { name: "Limiet instellen op 5 berichten per minuut" }).click();
  await expect(page.getByTestId("limit-suggestion")).toHaveCount(0);
  await expect(page.getByTestId("usage")).toContainText("5 berichten per minuut");
  const limits = await db().sendingLimit.findMany({ where: { serverId: server.id } });
  expect(limits.map((l) => l.count)).toEqual([5]);
  expect(await db().auditEntry.count({ where: { action: "mailserver.limit.learned", entityId: server.id } })).toBe(1);
});

test("a Helpdesk user sees the suggestion but cannot take it over", async ({ page }) => {
  const server = await throttledServer();
  await signIn(page, HELPDESK);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
  await expect(page.getByTestId("limit-suggestion")).toContainText("Waargenomen plafond ≈ 5 per minuut");
  await expect(page.getByTestId("limit-suggestion").getByRole("button")).toHaveCount(0);
});
