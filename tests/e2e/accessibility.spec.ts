import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { createUser } from "@/lib/users/mutations.ts";
import { ADMIN, HELPDESK, db, resetWithUsers, signIn, withSecondApp } from "./support.ts";

/**
 * The accessibility gate (issue 15): every admin page state reachable with seeded data, in Dutch
 * and English, at 1280 px and 390 px, checked with axe-core. No critical or serious violation,
 * and none of the moderate landmark rules (one <main>, one banner, all content in landmarks).
 * At 390 px no page may scroll sideways. Also: the folding menu, the 404/403 pages, the favicon.
 */
test.describe.configure({ timeout: 600_000 });

const AUDITOR = { email: "auditor@example.test", password: "auditor-wachtwoord-1" };
const LOCALE_COOKIE = "postkamer-locale";
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const LOCALES = ["nl", "en"] as const;
const actor = { id: null, label: "test" };

type Seeded = { serverId: string; senderId: string; templateId: string; messageId: string };
type PageState = { name: string; path: string; as: "admin" | "helpdesk" | "nobody"; status?: number };

/** One of everything the admin pages show: a server with a sender, a routed template, log rows, an API key, audit entries. */
async function seed(): Promise<Seeded> {
  await resetWithUsers();
  const server = await createServer(
    db(),
    actor,
    serverFormSchema.parse({
      name: "Exchange werkgever",
      type: "GENERIC",
      host: "smtp.klant.example",
      port: "587",
      tlsMode: "STARTTLS",
      verifyCertificate: "on",
      authMethod: "NONE",
      managedBy: "WERKGEVER",
    }),
  );
  const sender = await db().sender.create({
    data: { serverId: server.id, displayName: "Verzuimteam", address: "verzuim@klant.example", state: "VERIFIED", ownershipVerifiedAt: new Date() },
  });
  await db().sender.create({ data: { serverId: server.id, displayName: "Nog niet", address: "nieuw@klant.example" } });
  const template = await db().masterTemplate.findFirstOrThrow({ orderBy: { name: "asc" } });
  await db().masterTemplate.update({ where: { id: template.id }, data: { serverId: server.id, senderId: sender.id } });
  const at = new Date().toISOString();
  const message = await db().outboundMessage.create({
    data: {
      kind: "APPLICATION",
      serverId: server.id,
      templateId: template.id,
      fromName: "Verzuimteam",
      fromAddress: "verzuim@klant.example",
      to: ["jan.de.vries-van-den-berg@werknemer-van-een-heel-lange-domeinnaam.example", "kees@werknemer.example"],
      cc: [],
      bcc: [],
      recipientCount: 2,
      subject: "Uw ziekmelding is ontvangen",
      text: "Inhoud",
      messageIdHeader: "<a11y@klant.example>",
      status: "PARTIALLY_SENT",
      attemptCount: 2,
      giveUpAt: new Date(Date.now() + 3_600_000),
      sentAt: new Date(),
      lastResponse:
        "550 5.1.1 <kees@werknemer.example>: Recipient address rejected: User unknown in virtual mailbox table; see https://support.example/smtp/5.1.1-recipient-unknown",
      recipientOutcomes: {
        "jan.de.vries-van-den-berg@werknemer-van-een-heel-lange-domeinnaam.example": { state: "DELIVERED", code: 250, reply: "250 2.1.5 Ok", at },
        "kees@werknemer.example": { state: "FAILED", code: 550, reply: "550 5.1.1 <kees@werknemer.example>: Recipient address rejected: User unknown", at },
      },
    },
  });
  // The platform's own delivery (Logging platform): a code mail that failed with a long reply.
  await db().outboundMessage.create({
    data: {
      kind: "OWNERSHIP_CODE",
      serverId: null,
      fromName: "Postkamer",
      fromAddress: "postkamer-verificatie@platform-van-de-leverancier.example",
      to: ["salarisadministratie.en.personeelszaken@werkgever-met-een-lange-domeinnaam.example"],
      cc: [],
      bcc: [],
      recipientCount: 1,
      subject: "Je verificatiecode",
      text: "Verificatiecode: •••••-•••••",
      messageIdHeader: "<a11y-platform@postkamer.example>",
      status: "FAILED",
      attemptCount: 3,
      giveUpAt: new Date(Date.now() + 3_600_000),
      lastResponse:
        "550 5.7.1 Service unavailable; client host [192.0.2.10] blocked using zen.spamhaus.example; see https://www.spamhaus.example/query/ip/192.0.2.10 and virtual mailbox table",
    },
  });
  await createApiKey(db(), actor, { name: "Verzuimapplicatie" });
  // Someone who may read the audit trail but not change servers or rights: the 403 page names the people who can help.
  const auditor = await db().role.create({
    data: { name: "Controleur", permissions: { create: [{ permission: "MAILSERVERS_VIEW" }, { permission: "AUDIT_VIEW" }] } },
  });
  await createUser(db(), actor, { email: AUDITOR.email, name: "Olga Controleur", password: AUDITOR.password, roles: [auditor.id] });
  return { serverId: server.id, senderId: sender.id, templateId: template.id, messageId: message.id };
}

function pageStates(s: Seeded): PageState[] {
  const servers = "/beheer/applicatieinstellingen/mailservers";
  const templates = "/beheer/applicatieinstellingen/sjablonen";
  return [
    { name: "login", path: "/login", as: "nobody" },
    { name: "server list", path: servers, as: "admin" },
    { name: "server detail", path: `${servers}/${s.serverId}`, as: "admin" },
    { name: "server logging", path: `${servers}/${s.serverId}/logging`, as: "admin" },
    { name: "new server", path: `${servers}/nieuw`, as: "admin" },
    { name: "edit server", path: `${servers}/${s.serverId}/aanpassen`, as: "admin" },
    { name: "sender detail", path: `${servers}/${s.serverId}/afzenders/${s.senderId}`, as: "admin" },
    { name: "templates list", path: templates, as: "admin" },
    { name: "template selected", path: `${templates}?id=${s.templateId}`, as: "admin" },
    { name: "template edit", path: `${templates}/${s.templateId}/aanpassen`, as: "admin" },
    { name: "template new", path: `${templates}/nieuw`, as: "admin" },
    { name: "logging list", path: "/beheer/applicatieinstellingen/logging", as: "admin" },
    { name: "logging detail", path: `/beheer/applicatieinstellingen/logging/${s.messageId}`, as: "admin" },
    { name: "platform", path: "/beheer/applicatieinstellingen/platform", as: "admin" },
    { name: "rights", path: "/autorisaties/emails", as: "admin" },
    { name: "users", path: "/autorisaties/gebruikers", as: "admin" },
    { name: "api keys", path: "/autorisaties/api-sleutels", as: "admin" },
    { name: "audit", path: "/audit", as: "admin" },
    { name: "404 inside the admin", path: `${servers}/00000000-0000-4000-8000-000000000000`, as: "admin", status: 404 },
    { name: "404 for an unknown address", path: "/bestaat-niet", as: "admin", status: 404 },
    { name: "403", path: `${servers}/nieuw`, as: "helpdesk", status: 403 },
    { name: "helpdesk server list", path: servers, as: "helpdesk" },
  ];
}

/** Violations the gate refuses: every critical and serious one, and the landmark rules among the moderate ones. */
function refused(violation: { id: string; impact?: string | null }): boolean {
  return violation.impact === "critical" || violation.impact === "serious" || violation.id.startsWith("landmark-") || violation.id === "region";
}

async function audit(page: Page, label: string): Promise<string[]> {
  // The template preview is a sandboxed frame without scripts (an admin's mail HTML, not our UI):
  // axe cannot run inside it, and waiting for it hangs. That the frame has a title is checked here instead.
  const result = await new AxeBuilder({ page }).exclude("iframe[sandbox]").analyze();
  const untitledFrames = await page.locator('iframe:not([title]), iframe[title=""]').count();
  const frameProblems = untitledFrames > 0 ? [`${label}: ${untitledFrames} frame(s) without a title (frame-title)`] : [];
  return [
    ...frameProblems,
    ...result.violations.filter(refused).map(
      (v) =>
        `${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((node) => node.target.join(" "))
          .join(" | ")}`,
    ),
  ];
}

/** How far the page scrolls sideways (0 when it fits). */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function context(
  browser: Browser,
  baseURL: string,
  viewport: { width: number; height: number },
  locale: string,
  user?: { email: string; password: string },
) {
  const ctx = await browser.newContext({ viewport, baseURL });
  const page = await ctx.newPage();
  if (user) await signIn(page, user);
  await ctx.addCookies([{ name: LOCALE_COOKIE, value: locale, url: baseURL }]);
  return { ctx, page };
}

let seeded: Seeded;
test.beforeAll(async () => {
  seeded = await seed();
});

for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
  for (const locale of LOCALES) {
    test(`axe finds nothing serious on any admin page, ${locale}, ${viewportName} (${viewport.width} px)`, async ({ browser, baseURL }) => {
      const sessions = {
        nobody: await context(browser, baseURL!, viewport, locale),
        admin: await context(browser, baseURL!, viewport, locale, ADMIN),
        helpdesk: await context(browser, baseURL!, viewport, locale, HELPDESK),
      };
      const problems: string[] = [];
      const missing: string[] = [];
      for (const session of Object.values(sessions)) {
        session.page.on("response", (response) => {
          if (response.status() === 404 && response.request().resourceType() !== "document") missing.push(response.url());
        });
      }
      for (const state of pageStates(seeded)) {
        const { page } = sessions[state.as];
        const label = `${state.name} (${state.path})`;
        await test.step(
          label,
          async () => {
            const response = await page.goto(state.path);
            expect(response?.status(), label).toBe(state.status ?? 200);
            await page.waitForLoadState("networkidle");
            await expect(page.locator("html"), label).toHaveAttribute("lang", locale);
            problems.push(...(await audit(page, label)));
            const overflow = await sidewaysOverflow(page);
            if (overflow > 0) problems.push(`${label}: the page scrolls ${overflow} px sideways at ${viewport.width} px`);
            console.log(`a11y ${locale} ${viewport.width}px: ${label} checked`);
          },
          { timeout: 90_000 },
        );
      }
      for (const session of Object.values(sessions)) await session.ctx.close();
      expect(problems, problems.join("\n")).toEqual([]);
      expect(missing, "no resource answers 404 (favicon included)").toEqual([]);
    });
  }
}

test("on a phone the menu folds behind a button that opens, closes on Escape and on navigation, and marks the current page", async ({ browser, baseURL }) => {
  const { ctx, page } = await context(browser, baseURL!, VIEWPORTS.phone, "nl", ADMIN);
  await page.goto(`/beheer/applicatieinstellingen/mailservers/${seeded.serverId}`);
  const button = page.getByRole("button", { name: "Menu" });
  const menu = page.getByRole("navigation", { name: "Hoofdmenu" });
  await expect(button).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeHidden();
  expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

  await button.click();
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(menu).toBeVisible();
  expect(await button.getAttribute("aria-controls")).toBe(await menu.getAttribute("id"));
  // A page below Mailserver beheer (a server's detail) still marks Mailserver beheer as current.
  await expect(menu.getByRole("link", { name: "Mailserver beheer" })).toHaveAttribute("aria-current", "page");
  await expect(menu.locator('[aria-current="page"]')).toHaveCount(1);

  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(button).toHaveAttribute("aria-expanded", "false");
  await expect(button).toBeFocused();

  await button.click();
  await menu.getByRole("link", { name: "E-mail master sjablonen" }).click();
  await expect(page).toHaveURL(/\/sjablonen$/);
  await expect(button).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeHidden();
  await button.click();
  await expect(menu.getByRole("link", { name: "E-mail master sjablonen" })).toHaveAttribute("aria-current", "page");
  await expect(menu.getByRole("link", { name: "Mailserver beheer" })).not.toHaveAttribute("aria-current", "page");
  await ctx.close();
});

test("on a desktop the menu is the side column, without a Menu button, and the Logging's last column is not cut off", async ({ browser, baseURL }) => {
  const { ctx, page } = await context(browser, baseURL!, VIEWPORTS.desktop, "nl", ADMIN);
  await page.goto("/beheer/applicatieinstellingen/logging");
  await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
  const menu = page.getByRole("navigation", { name: "Hoofdmenu" });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("link", { name: "Logging platform" })).toHaveAttribute("aria-current", "page");
  // The whole table fits its card: nothing to scroll to, so the reply in the last column is all there.
  for (const width of [1280, 1400]) {
    await page.setViewportSize({ width, height: 800 });
    const table = page.getByTestId("message-log");
    await expect(table).toContainText("virtual mailbox table");
    const fits = await table.evaluate((element) => {
      const box = element.parentElement!;
      return box.scrollWidth <= box.clientWidth;
    });
    expect(fits, `the Logging table fits its card at ${width} px`).toBe(true);
  }
  // The template preview (a 600 px frame) is scaled into its card rather than clipped.
  await page.goto(`/beheer/applicatieinstellingen/sjablonen?id=${seeded.templateId}`);
  const preview = page.getByTestId("template-preview");
  await expect(preview).toBeVisible();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await expect.poll(() => preview.evaluate((box) => box.scrollWidth <= box.clientWidth)).toBe(true);
  }
  expect(Number(await preview.getAttribute("data-scale"))).toBeLessThan(1);
  await ctx.close();
});

test("the 403 page names the missing right and who can grant it; the 404 page offers a way back", async ({ browser, baseURL }) => {
  const helpdesk = await context(browser, baseURL!, VIEWPORTS.desktop, "nl", HELPDESK);
  const response = await helpdesk.page.goto("/beheer/applicatieinstellingen/mailservers/nieuw");
  expect(response?.status()).toBe(403);
  await expect(helpdesk.page.getByRole("heading", { name: "Geen toegang (403)" })).toBeVisible();
  await expect(helpdesk.page.getByTestId("missing-right")).toHaveText("Voor deze pagina heb je het recht “Mailservers wijzigen” nodig. Dat heb je nu niet.");
  // Helpdesk may not see who the users are: the role is named instead.
  await expect(helpdesk.page.getByTestId("who-can-grant")).toHaveText(
    "Vraag een gebruiker met het recht “Autorisaties beheren” (rol Beheerder) om het je te geven.",
  );
  await expect(helpdesk.page.locator("main")).toHaveCount(1);
  await helpdesk.page.getByRole("link", { name: "Naar het beheer" }).click();
  await expect(helpdesk.page).toHaveURL(/\/mailservers$/);
  await helpdesk.ctx.close();

  // Someone with the audit trail sees the same people there as actors, so their names are given.
  const auditor = await context(browser, baseURL!, VIEWPORTS.desktop, "en", AUDITOR);
  expect((await auditor.page.goto("/autorisaties/gebruikers"))?.status()).toBe(403);
  await expect(auditor.page.getByTestId("missing-right")).toHaveText("This page requires the right “Manage authorisations”. You do not have it at the moment.");
  await expect(auditor.page.getByTestId("who-can-grant")).toHaveText("A user with the right “Manage authorisations” can give it to you: Beheerder.");
  expect((await auditor.page.goto(`/beheer/applicatieinstellingen/sjablonen/${seeded.templateId}/aanpassen`))?.status()).toBe(403);
  await expect(auditor.page.getByTestId("missing-right")).toContainText("“Change e-mail master templates”");
  await auditor.ctx.close();

  // An administrator may grant rights: told so, with the way there. The 404 inside the admin has one <main> and the menu.
  const admin = await context(browser, baseURL!, VIEWPORTS.desktop, "nl", ADMIN);
  expect((await admin.page.goto("/beheer/applicatieinstellingen/mailservers/00000000-0000-4000-8000-000000000000"))?.status()).toBe(404);
  await expect(admin.page.getByRole("heading", { name: "Niet gevonden" })).toBeVisible();
  await expect(admin.page.locator("main")).toHaveCount(1);
  await expect(admin.page.getByRole("navigation", { name: "Hoofdmenu" })).toBeVisible();
  expect((await admin.page.goto("/bestaat-niet"))?.status()).toBe(404);
  await expect(admin.page.locator("main")).toHaveCount(1);
  await expect(admin.page.getByRole("banner")).toHaveCount(1);
  await admin.ctx.close();
});

test("the favicon is served from public/ and linked from every page", async ({ page, request }) => {
  for (const path of ["/favicon.ico", "/icon.svg"]) expect((await request.get(path)).status(), path).toBe(200);
  await page.goto("/login");
  await expect(page.locator('link[rel="icon"][href^="/icon.svg"]')).toHaveCount(1);
});

/** A stand-in for the mail catcher's API (maildev's GET /email), for a second app instance in trial mode. */
async function fakeMailCatcher(): Promise<Server> {
  const mails = [1, 2].map((n) => ({
    id: `m${n}`,
    subject: "Je verificatiecode voor Postkamer",
    from: [{ name: "Postkamer", address: "postkamer@localhost" }],
    to: [{ address: `verzuim${n}@klant.example` }],
    text: `Verificatiecode: 12345-6789${n}\n\n${"Deze regel maakt de tekst lang genoeg om te scrollen. ".repeat(3)}\n`.repeat(30),
    time: new Date().toISOString(),
  }));
  const server = createHttpServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(request.url?.startsWith("/email") ? mails : []));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

test("the Postvak (trial mode): scrolling mail bodies are keyboard-reachable and named, axe finds nothing serious", async ({ browser }) => {
  const catcher = await fakeMailCatcher();
  try {
    await withSecondApp(
      "postvak",
      { MAILCATCHER_API_URL: `http://127.0.0.1:${(catcher.address() as AddressInfo).port}`, MAILCATCHER_API_AUTH: "catcher:test" },
      async (url) => {
        for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
          for (const locale of LOCALES) {
            const { ctx, page } = await context(browser, url, viewport, locale, ADMIN);
            expect((await page.goto("/beheer/postvak"))?.status()).toBe(200);
            await expect(page.getByTestId("caught-mail"), await page.locator("main").innerText()).toHaveCount(2);
            const bodies = page.getByTestId("caught-mail").locator("pre");
            await expect(bodies).toHaveCount(2);
            await expect(bodies.first()).toHaveAttribute("tabindex", "0");
            await expect(bodies.first()).toHaveAccessibleName(
              locale === "nl" ? "Tekst van de e-mail “Je verificatiecode voor Postkamer”" : "Text of the e-mail “Je verificatiecode voor Postkamer”",
            );
            const label = `postvak ${locale} ${viewportName}`;
            const problems = await audit(page, label);
            const overflow = await sidewaysOverflow(page);
            if (overflow > 0) problems.push(`${label}: the page scrolls ${overflow} px sideways`);
            expect(problems, problems.join("\n")).toEqual([]);
            await ctx.close();
          }
        }
      },
    );
  } finally {
    await new Promise((resolve) => catcher.close(resolve));
  }
});
