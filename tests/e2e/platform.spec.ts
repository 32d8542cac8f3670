import { expect, test, type Page } from "@playwright/test";
import { startTestDns, type TestDns, type TestZones } from "../support/dns.ts";
import { ADMIN, db, HELPDESK, resetWithUsers, signIn } from "./support.ts";

/**
 * The Platform page: the records the operator must publish for the platform's own mail
 * (PLATFORM_FROM_ADDRESS is the default postkamer@localhost in the e2e run), each looked up live
 * through the app's DNS_SERVERS, which point at the test DNS server this spec runs.
 */
let dns: TestDns;
let zones: TestZones;

const PAGE = "/beheer/applicatieinstellingen/platform";

/** A TXT value in 255-byte character-strings, as a 2048-bit DKIM key has to be published. */
const chunks = (value: string) => value.match(/.{1,255}/g)!;

test.beforeAll(async () => {
  zones = {};
  dns = await startTestDns(zones, Number(process.env.E2E_DNS_PORT));
});
test.afterAll(async () => {
  await dns.close();
});
test.beforeEach(async () => {
  await resetWithUsers();
  for (const name of Object.keys(zones)) delete zones[name];
});

const row = (page: Page, kind: string) => page.getByTestId(`record-${kind}`);

test("shows the records to publish with their live DNS status, and a key rotation waits for the new record", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Platform-mail" }).click();
  await expect(page.getByRole("heading", { name: "Platform-mail", level: 1 })).toBeVisible();
  await expect(page.getByTestId("platform-from")).toHaveText("postkamer@localhost");

  // Nothing published yet: the key was made on first view and its record is missing.
  const key = await db().platformDkimKey.findFirstOrThrow({ where: { domain: "localhost", state: "ACTIVE" } });
  await expect(page.getByTestId("key-selector")).toHaveText(key.selector);
  const dkim = row(page, "dkim");
  await expect(dkim).toContainText(`${key.selector}._domainkey.localhost`);
  await expect(dkim.getByTestId("record-value")).toHaveText(`v=DKIM1; k=rsa; p=${key.publicKey}`);
  await expect(dkim.getByTestId("record-status")).toHaveText("Ontbreekt");
  await expect(row(page, "dmarc").getByTestId("record-status")).toHaveText("Ontbreekt");
  await expect(row(page, "dmarc").getByTestId("record-value")).toHaveText("v=DMARC1; p=none; rua=mailto:postmaster@localhost");
  // Without PLATFORM_SMTP_IPS the page says SPF cannot be checked.
  await expect(row(page, "spf").getByTestId("record-status")).toHaveText("Let op");
  await expect(row(page, "spf")).toContainText("PLATFORM_SMTP_IPS is niet ingesteld");
  // The private key never reaches the browser.
  expect(await page.content()).not.toContain("PRIVATE KEY");

  // Published: the same page now finds them, with what it found.
  zones[`${key.selector}._domainkey.localhost`] = { TXT: [chunks(`v=DKIM1; k=rsa; p=${key.publicKey}`)] };
  zones["_dmarc.localhost"] = { TXT: [["v=DMARC1; p=quarantine; rua=mailto:dmarc@localhost"]] };
  zones.localhost = { TXT: [["v=spf1 ip4:192.0.2.10 -all"]] };
  await page.reload();
  await expect(row(page, "dkim").getByTestId("record-status")).toHaveText("In orde");
  await expect(row(page, "dmarc").getByTestId("record-status")).toHaveText("In orde");
  await expect(row(page, "dmarc")).toContainText("Gevonden: _dmarc.localhost → v=DMARC1; p=quarantine");
  await expect(row(page, "spf")).toContainText("Gevonden: v=spf1 ip4:192.0.2.10 -all");

  // Another key at the selector is "Fout".
  const other = await db().platformDkimKey.findFirstOrThrow({ where: { id: key.id } });
  zones[`${key.selector}._domainkey.localhost`] = { TXT: [chunks(`v=DKIM1; k=rsa; p=${other.publicKey.replace(/^MIIB/, "MIIC")}`)] };
  await page.reload();
  await expect(row(page, "dkim").getByTestId("record-status")).toHaveText("Fout");
  zones[`${key.selector}._domainkey.localhost`] = { TXT: [chunks(`v=DKIM1; k=rsa; p=${key.publicKey}`)] };

  // Rotation: a new selector, pending; it cannot be taken into use before DNS serves its record.
  await page.getByTestId("rotate-key").getByRole("button", { name: "Nieuwe sleutel maken" }).click();
  await expect.poll(() => db().platformDkimKey.count({ where: { domain: "localhost", state: "PENDING" } })).toBe(1);
  const pending = await db().platformDkimKey.findFirstOrThrow({ where: { domain: "localhost", state: "PENDING" } });
  await page.reload();
  await expect(page.getByTestId("pending-selector")).toContainText(pending.selector);
  await expect(row(page, "dkimPending").getByTestId("record-status")).toHaveText("Ontbreekt");
  await page.getByTestId("activate-key").getByRole("button", { name: "Nieuwe sleutel in gebruik nemen" }).click();
  await expect(page.getByTestId("activate-key")).toContainText(`Het record ${pending.selector}._domainkey.localhost staat nog niet (goed) in DNS`);
  expect((await db().platformDkimKey.findUniqueOrThrow({ where: { id: pending.id } })).state).toBe("PENDING");

  zones[`${pending.selector}._domainkey.localhost`] = { TXT: [chunks(`v=DKIM1; k=rsa; p=${pending.publicKey}`)] };
  await page.getByTestId("activate-key").getByRole("button", { name: "Nieuwe sleutel in gebruik nemen" }).click();
  await expect.poll(async () => (await db().platformDkimKey.findUniqueOrThrow({ where: { id: pending.id } })).state).toBe("ACTIVE");
  await page.reload();
  await expect(page.getByTestId("key-selector")).toHaveText(pending.selector);
  const retired = await db().platformDkimKey.findUniqueOrThrow({ where: { id: key.id } });
  expect(retired).toMatchObject({ state: "RETIRED", privateKeyBox: "" });
  expect(await db().auditEntry.count({ where: { action: { in: ["platform.dkim.rotate", "platform.dkim.activate"] } } })).toBe(2);
});

test("the helpdesk sees the records but cannot rotate the key", async ({ page }) => {
  await signIn(page, HELPDESK);
  await page.goto(PAGE);
  await expect(page.getByRole("heading", { name: "Platform-mail", level: 1 })).toBeVisible();
  await expect(row(page, "dkim")).toBeVisible();
  await expect(page.getByTestId("rotate-key")).toHaveCount(0);
});

test("the Logging detail of a platform message shows each try's TLS and the MTA-STS mode", async ({ page }) => {
  const message = await db().outboundMessage.create({
    data: {
      kind: "OWNERSHIP_CODE",
      fromName: "Postkamer",
      fromAddress: "postkamer@localhost",
      to: ["beheer@klant.example"],
      cc: [],
      bcc: [],
      recipientCount: 1,
      subject: "Postkamer-verificatiecode (eigendom)",
      text: "Verificatiecode: ABCDE-FGHJK",
      messageIdHeader: "<tls-e2e@localhost>",
      status: "RETRYING",
      attemptCount: 1,
      giveUpAt: new Date(Date.now() + 3_600_000),
      attempts: {
        create: {
          number: 1,
          route: "mx",
          outcome: "RETRY",
          dns: "MX klant.example → mx.klant.example (10); MTA-STS klant.example → enforce (id 1; mx: mx.klant.example; max_age 86400; fetched)",
          tried: [
            {
              host: "mx.klant.example",
              port: 25,
              ok: false,
              error: "self-signed certificate",
              ms: 12,
              tls: { verified: false, verifyError: "self-signed certificate", policy: "enforce" },
            },
          ],
          error: "MTA-STS: no valid TLS with mx.klant.example: self-signed certificate",
          explanationId: "mta-sts-tls-failed",
        },
      },
    },
  });
  await signIn(page, ADMIN);
  await page.goto(`/beheer/applicatieinstellingen/logging/${message.id}`);
  const attempt = page.getByTestId("attempt");
  await expect(attempt.getByTestId("attempt-tls")).toHaveText("geen TLS · certificaat niet geverifieerd (self-signed certificate) · MTA-STS: enforce");
  await expect(attempt).toContainText("het domein eist met MTA-STS (enforce) een versleutelde verbinding met een geldig certificaat");
});
