import { expect, test, type Page } from "@playwright/test";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { ADMIN, db, resetWithUsers, signIn } from "./support.ts";

/**
 * The server page's charts and the sparkline on Mailserver beheer, from a week of delivery seeded
 * in the database the way the engine leaves it: every day a morning burst with mail held back by
 * the limit of 30 per minute, a few failures, and one pause.
 */
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

async function serverWithAWeekOfMail() {
  const server = await createServer(
    db(),
    { id: null, label: "test" },
    serverFormSchema.parse({
      name: "Relay met grafieken",
      type: "GENERIC",
      host: "smtp.klant.example",
      port: "587",
      tlsMode: "STARTTLS",
      verifyCertificate: "",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
      limitCount: ["30"],
      limitSize: ["1"],
      limitWindow: ["MINUTE"],
      limitUnit: ["MESSAGES"],
    }),
  );
  const now = Date.now();
  const rows = [];
  let n = 0;
  for (let day = 0; day < 7; day++) {
    // Each day: 45 at once (15 held back a minute), and 20 spread over the afternoon, 2 of them failing.
    const burst = now - day * DAY - 3 * HOUR;
    for (let i = 0; i < 45; i++) {
      const held = i >= 30;
      const sentAt = burst + (held ? MINUTE : 0) + (i % 30) * 100 + 500;
      rows.push({ at: burst, sentAt, deferredSince: held ? burst + 200 : null, status: "SENT" as const, n: n++ });
    }
    for (let i = 0; i < 20; i++) {
      const at = now - day * DAY - 2 * HOUR + i * 5 * MINUTE;
      rows.push({ at, sentAt: i < 2 ? null : at + 1_000, deferredSince: null, status: i < 2 ? ("FAILED" as const) : ("SENT" as const), n: n++ });
    }
  }
  await db().outboundMessage.createMany({
    data: rows.map((r) => ({
      kind: "APPLICATION" as const,
      serverId: server.id,
      fromName: "Verzuimteam",
      fromAddress: "verzuim@klant.example",
      to: [`persoon-${r.n}@extern.example`],
      recipientCount: 1,
      subject: `Bericht ${r.n}`,
      messageIdHeader: `<grafiek-${r.n}@klant.example>`,
      status: r.status,
      attemptCount: 1,
      giveUpAt: new Date(r.at + 2 * DAY),
      createdAt: new Date(r.at),
      updatedAt: new Date(r.sentAt ?? r.at + 1_000),
      sentAt: r.sentAt === null ? null : new Date(r.sentAt),
      deferredSince: r.deferredSince === null ? null : new Date(r.deferredSince),
      deferredReason: r.deferredSince === null ? null : "30/1/MINUTE/MESSAGES",
    })),
  });
  await db().limitHit.create({ data: { serverId: server.id, reason: "PAUSED", at: new Date(now - 2 * DAY) } });
  return server;
}

async function expectCharts(page: Page) {
  const charts = page.getByTestId("server-charts");
  await expect(charts.getByRole("heading", { name: "Verloop" })).toBeVisible();
  for (const id of ["hourly", "daily", "queue", "deferrals", "outcome"]) {
    const figure = charts.getByTestId(`chart-${id}`);
    await expect(figure.getByRole("heading")).toBeVisible();
    // Drawn in the browser: bars or lines in an SVG.
    await expect(figure.locator("svg.recharts-surface").first()).toBeVisible();
    await expect(figure.locator(".recharts-bar-rectangle, .recharts-line-curve").first()).toBeAttached();
    // The text alternative: a sentence and the numbers as a table.
    await expect(figure.getByTestId("chart-summary")).not.toBeEmpty();
    await expect(figure.getByTestId("chart-table")).toBeAttached();
  }
  // The limit as a line: 30 per minute is at most 1.800 per hour.
  await expect(charts.getByTestId("chart-hourly").locator(".stats-limit-line").first()).toBeAttached();
  await expect(charts.getByTestId("chart-hourly").getByText(/hoogstens 1\.800 per uur/)).toBeAttached();
  await expect(charts.getByTestId("chart-daily").getByTestId("chart-summary")).toContainText("e-mails afgegeven in");
  await expect(charts.getByTestId("chart-deferrals").getByTestId("chart-summary")).toContainText("1 pauze");
  // Nothing wider than the page.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test.beforeEach(async () => {
  await resetWithUsers();
});

for (const width of [390, 1280]) {
  test(`the server page charts a seeded week at ${width} px, with the limit line and a text alternative; the list shows a sparkline`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    const server = await serverWithAWeekOfMail();
    await signIn(page, ADMIN);
    await page.goto(`/beheer/applicatieinstellingen/mailservers/${server.id}`);
    await expectCharts(page);
    // Seven days with a deferral episode: structural, and the rule stated beside it.
    await expect(page.getByTestId("structural")).toBeVisible();
    await expect(page.getByTestId("structural-rule")).toContainText("op 3 of meer van de laatste 7 dagen");
    await expect(page.getByTestId("limit-hits")).toContainText("Limiet bereikt: 7 keer in 7 dagen");

    await page.goto("/beheer/applicatieinstellingen/mailservers");
    const sparkline = page.getByTestId("server-list").getByTestId("sparkline");
    await expect(sparkline).toHaveAttribute("aria-label", /Afgegeven per uur, laatste 24 uur: \d+ e-mails/);
    await expect(sparkline.locator("svg .recharts-bar-rectangle").first()).toBeAttached();
  });
}
