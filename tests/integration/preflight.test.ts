import { generateKeyPairSync } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { effectivePermissions, Permission } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { QUEUES } from "@/lib/jobs/queues.ts";
import { startWorker, stopWorker } from "@/lib/ops/jobs.ts";
import type { ServerTypeId } from "@/lib/mailservers/presets.ts";
import { recheckPreflightAction } from "@/lib/senders/actions.ts";
import { addSender } from "@/lib/senders/mutations.ts";
import { runPreflight, type PreflightReport } from "@/lib/senders/preflight.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startTestDns, type TestDns, type TestZones } from "../support/dns.ts";
import { startJobs } from "../support/jobs.ts";

/**
 * The DMARC preflight against a real DNS server on loopback (tests/support/dns.ts): one zone per
 * situation, the checks and records evaluated by mailauth, nothing mocked but the session of the
 * signed-in user for the server action.
 */
let currentUser: CurrentUser | null = null;
vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: (user: CurrentUser) => ({ id: user.id, label: user.email }),
  requirePagePermission: async () => {
    throw new Error("pages are not under test here");
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

const actor = { id: null, label: "beheerder@klant.example" };

/** A real RSA key as a DKIM key record, split into 255-octet character-strings as DNS requires. */
function dkimKeyRecord(): string[] {
  const key = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const record = `v=DKIM1; k=rsa; p=${key}`;
  return record.match(/.{1,255}/g)!;
}

const providerZones: TestZones = {
  "spf.protection.outlook.com": { TXT: [["v=spf1 ip4:40.92.0.0/15 ip4:52.100.0.0/14 -all"]] },
  "_spf.google.com": { TXT: [["v=spf1 ip4:209.85.128.0/17 ~all"]] },
  "amazonses.com": { TXT: [["v=spf1 ip4:199.255.192.0/22 -all"]] },
  "_spf.elders.example": { TXT: [["v=spf1 ip4:198.51.100.0/24 -all"]] },
};

const zones: TestZones = {
  ...providerZones,
  // Microsoft 365, everything in place.
  "goed.example": { MX: [{ exchange: "goed-example.mail.protection.outlook.com", priority: 0 }], TXT: [["v=spf1 include:spf.protection.outlook.com -all"]] },
  "goed-example.mail.protection.outlook.com": { A: ["127.0.0.1"] },
  "selector1._domainkey.goed.example": { CNAME: "selector1-goed-example._domainkey.goed.onmicrosoft.com" },
  "selector2._domainkey.goed.example": { CNAME: "selector2-goed-example._domainkey.goed.onmicrosoft.com" },
  "selector1-goed-example._domainkey.goed.onmicrosoft.com": { TXT: [dkimKeyRecord()] },
  "selector2-goed-example._domainkey.goed.onmicrosoft.com": { TXT: [dkimKeyRecord()] },
  "_dmarc.goed.example": { TXT: [["v=DMARC1; p=reject; rua=mailto:dmarc@goed.example"]] },
  // SPF authorizes Microsoft 365, but there is no DMARC record.
  "risico.example": { MX: [{ exchange: "mx.risico.example", priority: 10 }], TXT: [["v=spf1 include:spf.protection.outlook.com -all"]] },
  // DMARC p=none, SPF for someone else, no DKIM.
  "alleen-none.example": { MX: [{ exchange: "mx.alleen-none.example", priority: 10 }], TXT: [["v=spf1 include:_spf.elders.example -all"]] },
  "_dmarc.alleen-none.example": { TXT: [["v=DMARC1; p=none"]] },
  // DMARC p=reject, SPF for someone else, no DKIM.
  "fout.example": { MX: [{ exchange: "mx.fout.example", priority: 10 }], TXT: [["google-site-verification=abc"], ["v=spf1 include:_spf.elders.example -all"]] },
  "_dmarc.fout.example": { TXT: [["v=DMARC1; p=reject; rua=mailto:dmarc@fout.example"]] },
  // The provider's include one level down, in an include of the domain's own.
  "genest.example": { MX: [{ exchange: "mx.genest.example", priority: 10 }], TXT: [["v=spf1 include:_spf.genest.example ~all"]] },
  "_spf.genest.example": { TXT: [["v=spf1 ip4:203.0.113.0/24 include:spf.protection.outlook.com -all"]] },
  "_dmarc.genest.example": { TXT: [["v=DMARC1; p=quarantine"]] },
  // selector1 points at another provider's key.
  "vreemd.example": { MX: [{ exchange: "mx.vreemd.example", priority: 10 }], TXT: [["v=spf1 include:_spf.elders.example -all"]] },
  "selector1._domainkey.vreemd.example": { CNAME: "s1.domainkey.u1.wl.sendgrid.net" },
  "s1.domainkey.u1.wl.sendgrid.net": { TXT: [dkimKeyRecord()] },
  "_dmarc.vreemd.example": { TXT: [["v=DMARC1; p=reject"]] },
  // Anyone may send.
  "iedereen.example": { MX: [{ exchange: "mx.iedereen.example", priority: 10 }], TXT: [["v=spf1 include:spf.protection.outlook.com +all"]] },
  "_dmarc.iedereen.example": { TXT: [["v=DMARC1; p=reject"]] },
  // Google Workspace: DKIM at google._domainkey, SPF without Google.
  "gmail-klant.example": { MX: [{ exchange: "aspmx.l.google.com", priority: 1 }], TXT: [["v=spf1 include:_spf.elders.example -all"]] },
  "google._domainkey.gmail-klant.example": { TXT: [dkimKeyRecord()] },
  "_dmarc.gmail-klant.example": { TXT: [["v=DMARC1; p=quarantine; adkim=s"]] },
  // A broken name server: with everything it can answer this would fail (p=reject, no DKIM).
  "wankel.example": { fail: "SERVFAIL" },
  "_dmarc.wankel.example": { TXT: [["v=DMARC1; p=reject"]] },
  // Amazon SES with the custom MAIL FROM domain Postkamer suggests.
  "ses-klant.example": { MX: [{ exchange: "mx.ses-klant.example", priority: 10 }], TXT: [["v=spf1 -all"]] },
  "bounce.ses-klant.example": { MX: [{ exchange: "feedback-smtp.eu-west-1.amazonses.com", priority: 10 }], TXT: [["v=spf1 include:amazonses.com ~all"]] },
  "_dmarc.ses-klant.example": { TXT: [["v=DMARC1; p=quarantine"]] },
  // Own mail server whose address SPF lists.
  "eigen.example": { MX: [{ exchange: "mx.eigen.example", priority: 10 }], TXT: [["v=spf1 ip4:127.0.0.1 -all"]] },
  "_dmarc.eigen.example": { TXT: [["v=DMARC1; p=reject"]] },
};

let dns: TestDns;
let boss: PgBoss;
let jobs: Awaited<ReturnType<typeof startJobs>>;

const check = (report: PreflightReport, id: string) => report.checks.find((c) => c.id === id)!;
const records = (report: PreflightReport) => report.checks.flatMap((c) => c.toAdd);
const preflight = (address: string, serverType: ServerTypeId, extra: { host?: string; region?: string } = {}) =>
  runPreflight({ address, serverType, ...extra }, { dnsServers: [dns.address] });

beforeAll(async () => {
  dns = await startTestDns(zones);
  Object.assign(process.env, { DNS_SERVERS: dns.address, ALLOW_PRIVATE_SMTP_HOSTS: "1" });
  delete process.env.PLATFORM_SMTP_URL;
  jobs = await startJobs({ worker: false });
  boss = jobs.boss;
});

afterAll(async () => {
  await jobs.stop();
  await dns.close();
});

beforeEach(async () => {
  await resetDatabase();
  currentUser = null;
});

describe("the verdict per domain", () => {
  it("passes a Microsoft 365 domain with MX, SPF include, both DKIM selectors and DMARC p=reject, and suggests nothing", async () => {
    const report = await preflight("verzuim@goed.example", "MICROSOFT_365");
    expect(report.verdict).toBe("PASS");
    expect(report.reasons.map((r) => r.key)).toEqual(["alignedSpf", "alignedDkim"]);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["mx", "ok"],
      ["spf", "ok"],
      ["dkim", "ok"],
      ["dmarc", "ok"],
    ]);
    expect(check(report, "dkim").found).toContain("CNAME selector1._domainkey.goed.example → selector1-goed-example._domainkey.goed.onmicrosoft.com");
    expect(check(report, "dmarc").found).toEqual(["TXT _dmarc.goed.example → v=DMARC1; p=reject; rua=mailto:dmarc@goed.example"]);
    expect(records(report)).toEqual([]);
  });

  it("calls a domain whose SPF is fine but that has no DMARC record a risk, and suggests the DMARC record", async () => {
    const report = await preflight("info@risico.example", "MICROSOFT_365");
    expect(report.verdict).toBe("RISK");
    expect(report.reasons.map((r) => r.key)).toContain("noDmarc");
    expect(check(report, "spf").status).toBe("ok");
    expect(records(report)).toContainEqual(
      expect.objectContaining({ type: "TXT", name: "_dmarc.risico.example", value: "v=DMARC1; p=quarantine; rua=mailto:dmarc@risico.example" }),
    );
    expect(records(report)).toContainEqual(expect.objectContaining({ type: "CNAME", name: "selector1._domainkey.risico.example" }));
  });

  it("calls DMARC p=none with nothing authorizing the server a risk, not a failure", async () => {
    const report = await preflight("info@alleen-none.example", "MICROSOFT_365");
    expect(report.verdict).toBe("RISK");
    expect(report.reasons.map((r) => r.key)).toEqual(["noAlignedPass"]);
    expect(check(report, "dmarc").status).toBe("warn");
  });

  it("fails a domain with DMARC p=reject whose SPF lacks the provider and that has no DKIM, and merges the include into the existing SPF record", async () => {
    const report = await preflight("info@fout.example", "MICROSOFT_365");
    expect(report.verdict).toBe("FAIL");
    expect(report.reasons).toEqual([{ key: "enforcedWithoutAlignment", vars: { policy: "reject" } }]);
    expect(check(report, "spf")).toMatchObject({ status: "fail", found: ["TXT fout.example → v=spf1 include:_spf.elders.example -all"] });
    expect(check(report, "dkim").status).toBe("fail");
    expect(records(report)).toEqual([
      {
        type: "TXT",
        name: "fout.example",
        value: "v=spf1 include:_spf.elders.example include:spf.protection.outlook.com -all",
        replaces: "v=spf1 include:_spf.elders.example -all",
        note: { key: "replacesSpf" },
      },
      {
        type: "CNAME",
        name: "selector1._domainkey.fout.example",
        value: "selector1-fout-example._domainkey.<tenant>.onmicrosoft.com",
        note: { key: "fromConsole" },
      },
      {
        type: "CNAME",
        name: "selector2._domainkey.fout.example",
        value: "selector2-fout-example._domainkey.<tenant>.onmicrosoft.com",
        note: { key: "fromConsole" },
      },
    ]);
  });

  it("finds the provider's include nested in an include of the domain's own", async () => {
    const report = await preflight("info@genest.example", "MICROSOFT_365");
    expect(check(report, "spf")).toMatchObject({ status: "ok", findings: [{ key: "spfAuthorized" }, { key: "spfEnding", vars: { all: "~all" } }] });
    expect(report.verdict).toBe("PASS");
  });

  it("does not count a key behind a selector CNAME that points at another provider", async () => {
    const report = await preflight("info@vreemd.example", "MICROSOFT_365");
    expect(check(report, "dkim")).toMatchObject({
      status: "warn",
      findings: [{ key: "dkimForeignTarget", vars: { selector: "selector1", target: "s1.domainkey.u1.wl.sendgrid.net" } }],
    });
    expect(report.verdict).toBe("RISK");
  });

  it("calls an SPF record ending in +all a risk even when everything else passes", async () => {
    const report = await preflight("info@iedereen.example", "MICROSOFT_365");
    expect(report.verdict).toBe("RISK");
    expect(report.reasons).toContainEqual({ key: "permissiveSpf", vars: { all: "+all" } });
  });

  it("checks Google's selector google._domainkey for Google Workspace: DKIM alone passes", async () => {
    const report = await preflight("hr@gmail-klant.example", "GOOGLE_WORKSPACE");
    expect(check(report, "dkim")).toMatchObject({ status: "ok", findings: [{ key: "dkimKeyFound", vars: { selectors: "google" } }] });
    expect(check(report, "spf").toAdd[0]?.value).toBe("v=spf1 include:_spf.elders.example include:_spf.google.com -all");
    expect(report.verdict).toBe("PASS");
    expect(dns.queries).toContainEqual({ name: "google._domainkey.gmail-klant.example", type: "TXT" });
  });

  it("gives a risk, never a failure, when the domain's name server answers SERVFAIL", async () => {
    const report = await preflight("info@wankel.example", "MICROSOFT_365");
    expect(report.verdict).toBe("RISK");
    expect(report.dnsUnavailable).toBe(true);
    expect(report.reasons).toEqual([{ key: "dnsUnavailable" }]);
    expect(check(report, "spf")).toMatchObject({ status: "warn", findings: [{ key: "dnsUnavailable", vars: { code: "ESERVFAIL" } }] });
    expect(check(report, "mx").status).toBe("warn");
  });

  it("fails a domain without MX or address records", async () => {
    const report = await preflight("iemand@bestaat-niet.example", "MICROSOFT_365");
    expect(report.verdict).toBe("FAIL");
    expect(report.reasons[0]!.key).toBe("noMailHosts");
  });

  it("needs a custom MAIL FROM domain for Amazon SES: a risk without one, a pass with bounce.<domain>", async () => {
    const without = await preflight("info@risico.example", "AMAZON_SES", { region: "eu-central-1" });
    expect(without.verdict).toBe("RISK");
    expect(check(without, "mailFrom")).toMatchObject({ status: "warn", findings: [{ key: "mailFromMissing" }] });
    expect(records(without)).toContainEqual(
      expect.objectContaining({ type: "MX", name: "bounce.risico.example", value: "10 feedback-smtp.eu-central-1.amazonses.com" }),
    );
    expect(check(without, "dkim").findings[0]!.key).toBe("dkimInConsole");

    const withMailFrom = await preflight("info@ses-klant.example", "AMAZON_SES", { region: "eu-west-1" });
    expect(check(withMailFrom, "mailFrom").status).toBe("ok");
    expect(withMailFrom.verdict).toBe("PASS");
  });

  it("evaluates SPF for the address of a generic server's host, and calls its DKIM unknown", async () => {
    const report = await preflight("info@eigen.example", "GENERIC", { host: "127.0.0.1" });
    expect(check(report, "spf")).toMatchObject({
      status: "ok",
      findings: [{ key: "spfHostAuthorized", vars: { host: "127.0.0.1", ip: "127.0.0.1" } }, { key: "spfEnding" }],
    });
    expect(check(report, "dkim").findings[0]!.key).toBe("dkimUnknownSelector");
    expect(report.verdict).toBe("PASS");
    const elsewhere = await preflight("info@eigen.example", "GENERIC", { host: "192.0.2.55" });
    expect(elsewhere.verdict).toBe("RISK");
    expect(elsewhere.reasons.map((r) => r.key)).toEqual(["alignmentUnknown"]);
  });
});

async function server(type: ServerTypeId = "MICROSOFT_365") {
  return testDb().mailServer.create({
    data: { name: `Server ${type}`, type, host: "127.0.0.1", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
}

describe("storing and re-checking", () => {
  it("stores a verdict when a sender is added", async () => {
    const { id } = await server();
    const sender = await addSender(testDb(), boss, actor, { serverId: id, displayName: "Verzuim", address: "verzuim@fout.example" });
    const stored = await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } });
    expect(stored.preflightVerdict).toBe("FAIL");
    expect(stored.preflightCheckedAt).not.toBeNull();
    expect((stored.preflightReport as unknown as PreflightReport).checks.map((c) => c.id)).toEqual(["mx", "spf", "dkim", "dmarc"]);
  });

  it("refuses 'Opnieuw controleren' to a user who may only view servers, and re-checks for one who may edit them", async () => {
    const { id } = await server();
    const sender = await testDb().sender.create({ data: { serverId: id, displayName: "Info", address: "info@goed.example" } });
    const form = new FormData();
    form.set("senderId", sender.id);
    const user = (name: string, permissions: Permission[]) => ({
      id: "00000000-0000-4000-8000-000000000001",
      email: "gebruiker@postkamer.test",
      name,
      permissions: effectivePermissions(permissions),
    });

    currentUser = user("Helpdesk", [Permission.MAILSERVERS_VIEW, Permission.TEMPLATES_VIEW, Permission.LOG_DETAILS_VIEW]);
    expect(await recheckPreflightAction(null, form)).toMatchObject({ ok: false, status: 403 });
    expect((await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).preflightCheckedAt).toBeNull();

    currentUser = user("Beheerder", [Permission.MAILSERVERS_EDIT]);
    expect(await recheckPreflightAction(null, form)).toMatchObject({ ok: true, message: "Opnieuw gecontroleerd: zal DMARC halen." });
    expect((await testDb().sender.findUniqueOrThrow({ where: { id: sender.id } })).preflightVerdict).toBe("PASS");
  });

  it("re-checks every sender in the daily job, and one sender that cannot be checked does not stop the rest", { timeout: 60_000 }, async () => {
    const microsoft = await server();
    const google = await server("GOOGLE_WORKSPACE");
    const earlier = new Date(Date.now() - 86_400_000);
    const senders = await Promise.all([
      testDb().sender.create({
        data: { serverId: microsoft.id, displayName: "A", address: "a@goed.example", preflightVerdict: "FAIL", preflightCheckedAt: earlier },
      }),
      testDb().sender.create({ data: { serverId: microsoft.id, displayName: "B", address: "b@goed.example" } }),
      testDb().sender.create({ data: { serverId: microsoft.id, displayName: "Kapot", address: "kapot@localhost" } }),
      testDb().sender.create({ data: { serverId: google.id, displayName: "C", address: "c@gmail-klant.example" } }),
    ]);
    const worker = await startWorker(process.env.DATABASE_URL!);
    try {
      expect(await worker.getSchedules(QUEUES.senderPreflight)).toContainEqual(expect.objectContaining({ cron: "41 4 * * *" }));
      await boss.send(QUEUES.senderPreflight, {});
      const deadline = Date.now() + 45_000;
      const checked = () => testDb().sender.findMany({ where: { preflightCheckedAt: { gt: earlier } }, orderBy: { address: "asc" } });
      while ((await checked()).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const rows = await checked();
      expect(rows.map((s) => [s.address, s.preflightVerdict])).toEqual([
        ["a@goed.example", "PASS"],
        ["b@goed.example", "PASS"],
        ["c@gmail-klant.example", "PASS"],
      ]);
      const broken = await testDb().sender.findUniqueOrThrow({ where: { id: senders[2]!.id } });
      expect(broken.preflightCheckedAt).toBeNull();
    } finally {
      await stopWorker(worker);
    }
  });
});
