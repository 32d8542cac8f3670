import { expect, test } from "@playwright/test";
import { createBoss } from "@/lib/jobs/boss.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { submitMany } from "../support/delivery.ts";
import { smtpError, startTestSmtp } from "../support/smtp.ts";
import { ADMIN, db, HELPDESK, resetWithUsers, signIn } from "./support.ts";

/**
 * Limits that learn, in the browser: the app's worker delivers to a provider that throttles below
 * the configured limit; the server page suggests the observed ceiling, explains the throttle
 * reply, and the administrator takes the suggestion over with one click.
 */
/** A relay with a configured limit of 10 messages per minute. */
function relayWithLimitOf10(host: string, port: number) {
  return createServer(
    db(),
    { id: null, label: "test" },
    serverFormSchema.parse({
      name: "Relay met plafond",
      type: "GENERIC",
      host,
      port: String(port),
      tlsMode: "STARTTLS",
      verifyCertificate: "",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
      limitCount: ["10"],
      limitSize: ["1"],
      limitWindow: ["MINUTE"],
      limitUnit: ["MESSAGES"],
    }),
  );
}

/** The same relay after it throttled three times at 5 per minute (what the engine records). */
async function throttledServer() {
  const server = await relayWithLimitOf10("smtp.klant.example", 587);
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

test("a server that throttles at 5 per minute while 10 is configured shows 'waargenomen plafond ≈ 5 per minuut', and the limit is taken over", async ({
  page,
}) => {
  // A provider with its own ceiling of 5 per minute; the app's worker delivers to it for real.
  const accepted: number[] = [];
  const provider = await startTestSmtp({
    onMailFrom(_address, _session, callback) {
      if (accepted.filter((at) => at > Date.now() - 60_000).length >= 5) return callback(smtpError(450, "4.7.0 Rate limit exceeded, slow down"));
      accepted.push(Date.now());
      callback();
    },
  });
  const boss = createBoss(process.env.DATABASE_URL!, "web");
  await boss.start();
  try {
    const server = await relayWithLimitOf10("127.0.0.1", provider.port);
    // A ceiling needs throttle replies in several windows: two earlier ones, today's makes three.
    for (const minutesAgo of [6, 3]) {
      await db().limitObservation.create({
        data: {
          serverId: server.id,
          at: new Date(Date.now() - minutesAgo * 60_000),
          window: "MINUTE",
          unit: "MESSAGES",
          observed: 5,
          configured: 10,
          reply: "450 4.7.0 Rate limit exceeded, slow down",
        },
      });
    }
    await submitMany(db(), boss, server.id, 8);

    await signIn(page, ADMIN);
    await expect
      .poll(
        async () => {
          await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
          return page.getByTestId("limit-suggestion").count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    expect(provider.received).toHaveLength(5);
    const suggestion = page.getByTestId("limit-suggestion");
    await expect(suggestion).toContainText("Waargenomen plafond ≈ 5 per minuut");
    await expect(suggestion).toContainText("ingestelde limiet van 10");
    await expect(suggestion).toContainText("Rate limit exceeded");

    await suggestion.getByRole("button", { name: "Limiet instellen op 5 berichten per minuut" }).click();
    await expect(page.getByTestId("limit-suggestion")).toHaveCount(0);
    await expect(page.getByTestId("usage")).toContainText("5 berichten per minuut");
    const limits = await db().sendingLimit.findMany({ where: { serverId: server.id } });
    expect(limits.map((l) => l.count)).toEqual([5]);
    expect(await db().auditEntry.count({ where: { action: "mailserver.limit.learned", entityId: server.id } })).toBe(1);
  } finally {
    await boss.stop({ graceful: false, close: true });
    await provider.close();
  }
});

test("a Helpdesk user sees the suggestion but cannot take it over", async ({ page }) => {
  const server = await throttledServer();
  await signIn(page, HELPDESK);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
  await expect(page.getByTestId("limit-suggestion")).toContainText("Waargenomen plafond ≈ 5 per minuut");
  await expect(page.getByTestId("limit-suggestion").getByRole("button")).toHaveCount(0);
  // The deferral names the throttle reply and what it means, from the reply catalogue.
  await expect(page.getByTestId("deferred")).toContainText("Rate limit exceeded");
  await expect(page.getByTestId("deferred")).toContainText("De mailserver remt het verzenden af");
});
