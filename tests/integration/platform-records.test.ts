import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkPlatformRecords, isDkimKeyPublished } from "@/lib/platform/checks.ts";
import { dkimRecordValue } from "@/lib/platform/dkim.ts";
import { activatePendingDkimKey, ensurePlatformDkimKey, platformSigningKey, rotatePlatformDkimKey } from "@/lib/platform/mutations.ts";
import { resetDatabase, testDb } from "@/tests/support/db.ts";
import { startTestDns, type TestDns, type TestZones } from "@/tests/support/dns.ts";

/**
 * The Platform page's live checks (DKIM, SPF for PLATFORM_SMTP_IPS, DMARC) against the loopback
 * DNS server, and the rotation rule: a new key signs only once DNS serves it.
 */
const zones: TestZones = {};
let dns: TestDns;
const actor = { id: null, label: "beheerder@example.test" };
const chunks = (value: string) => value.match(/.{1,255}/g)!;

beforeAll(async () => {
  dns = await startTestDns(zones);
  Object.assign(process.env, { PLATFORM_FROM_ADDRESS: "postkamer@platform.example", DNS_SERVERS: dns.address });
});
afterAll(() => dns.close());
beforeEach(async () => {
  await resetDatabase();
  for (const name of Object.keys(zones)) delete zones[name];
});

const check = (input: Partial<Parameters<typeof checkPlatformRecords>[0]>) =>
  checkPlatformRecords({ domain: "platform.example", ips: [], smarthost: false, ...input }, { dnsServers: [dns.address] });

describe("the SPF check of the platform's own sending", () => {
  it("is in order when the record allows every address in PLATFORM_SMTP_IPS", async () => {
    zones["platform.example"] = { TXT: [["v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 -all"]] };
    const spf = (await check({ ips: ["192.0.2.10", "2001:db8::25"] })).find((r) => r.kind === "spf")!;
    expect(spf).toMatchObject({ status: "ok", found: ["v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 -all"], notes: [{ key: "spfPasses" }] });
  });

  it("warns with the result when an address would fail, and suggests the record with it added", async () => {
    zones["platform.example"] = { TXT: [["v=spf1 include:_spf.elders.example ~all"]] };
    zones["_spf.elders.example"] = { TXT: [["v=spf1 ip4:203.0.113.0/24 -all"]] };
    const spf = (await check({ ips: ["198.51.100.7"] })).find((r) => r.kind === "spf")!;
    expect(spf.status).toBe("wrong");
    expect(spf.notes).toEqual([{ key: "spfFails", vars: { domain: "platform.example", ip: "198.51.100.7", result: "softfail" } }]);
    expect(spf.value).toBe("v=spf1 include:_spf.elders.example ip4:198.51.100.7 ~all");
  });

  it("says SPF cannot be checked without PLATFORM_SMTP_IPS, and that it is missing without a record", async () => {
    expect((await check({})).find((r) => r.kind === "spf")).toMatchObject({ status: "warn", notes: [{ key: "spfNoIps" }] });
    expect((await check({ ips: ["192.0.2.10"] })).find((r) => r.kind === "spf")).toMatchObject({ status: "missing", value: "v=spf1 ip4:192.0.2.10 -all" });
  });
});

describe("the DKIM and DMARC checks", () => {
  it("finds the published key, another key, or none; and the DMARC record or a suggestion", async () => {
    const key = (await ensurePlatformDkimKey(testDb(), "platform.example"))!;
    const other = (await rotatePlatformDkimKey(testDb(), actor))!;
    const active = { selector: key.selector, publicKey: key.publicKey };
    expect((await check({ active }))[0]).toMatchObject({ kind: "dkim", status: "missing", name: `${key.selector}._domainkey.platform.example` });
    expect((await check({ active })).find((r) => r.kind === "dmarc")).toMatchObject({
      status: "missing",
      value: "v=DMARC1; p=none; rua=mailto:postmaster@platform.example",
    });

    zones[`${key.selector}._domainkey.platform.example`] = { TXT: [chunks(dkimRecordValue(other.publicKey))] };
    expect((await check({ active }))[0]).toMatchObject({ status: "wrong", notes: [{ key: "dkimOther" }] });
    zones[`${key.selector}._domainkey.platform.example`] = { TXT: [chunks(dkimRecordValue(key.publicKey))] };
    zones["_dmarc.platform.example"] = { TXT: [["v=DMARC1; p=reject"]] };
    const records = await check({ active });
    expect(records[0]).toMatchObject({ status: "ok" });
    expect(records.find((r) => r.kind === "dmarc")).toMatchObject({ status: "ok", notes: [{ key: "dmarcFound", vars: { policy: "reject" } }] });
  });
});

describe("DKIM key rotation", () => {
  it("keeps signing with the old key until the new record is published and confirmed, then retires the old key", async () => {
    const first = (await ensurePlatformDkimKey(testDb()))!;
    expect((await platformSigningKey(testDb(), "postkamer@platform.example"))!.keySelector).toBe(first.selector);
    // Another From domain is not signed with the platform's key.
    expect(await platformSigningKey(testDb(), "noreply@klant.example")).toBeUndefined();

    const pending = await rotatePlatformDkimKey(testDb(), actor);
    expect(pending.state).toBe("PENDING");
    expect((await platformSigningKey(testDb(), "postkamer@platform.example"))!.keySelector).toBe(first.selector);

    const published = (key: { selector: string; publicKey: string }) => isDkimKeyPublished("platform.example", key, { dnsServers: [dns.address] });
    await expect(activatePendingDkimKey(testDb(), actor, published)).rejects.toMatchObject({ messageKey: "platform.errors.notPublished" });
    expect((await testDb().platformDkimKey.findUniqueOrThrow({ where: { id: first.id } })).state).toBe("ACTIVE");

    zones[`${pending.selector}._domainkey.platform.example`] = { TXT: [chunks(dkimRecordValue(pending.publicKey))] };
    await activatePendingDkimKey(testDb(), actor, published);
    expect((await platformSigningKey(testDb(), "postkamer@platform.example"))!.keySelector).toBe(pending.selector);
    expect(await testDb().platformDkimKey.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ state: "RETIRED", privateKeyBox: "" });
    const audit = await testDb().auditEntry.findMany({ orderBy: { at: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual(["platform.dkim.rotate", "platform.dkim.activate"]);
    expect(JSON.stringify(audit, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))).not.toContain("PRIVATE KEY");
  });
});
