import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import { promises as nodeDns } from "node:dns";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dkimVerify } from "mailauth";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverMessage } from "@/lib/delivery/deliver.ts";
import { dkimRecordValue } from "@/lib/platform/dkim.ts";
import { ensurePlatformDkimKey, resolveMtaStsPolicy, type MtaStsSettings } from "@/lib/platform/mutations.ts";
import { resetDatabase, testDb } from "@/tests/support/db.ts";
import { startTestDns, type TestDns, type TestZones } from "@/tests/support/dns.ts";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { ReceivedMail } from "@/tests/support/smtp.ts";
import { createTestCa } from "@/tests/support/test-ca.ts";

/**
 * The platform's own route as an MTA, end to end on loopback: a DNS server for the test domains
 * (MX, A, the DKIM key, `_mta-sts` TXT), an HTTPS server serving MTA-STS policies with a
 * certificate from a test CA, and smtp-server MX hosts on several loopback addresses sharing
 * MX_PORT: one with STARTTLS and a valid certificate, one without STARTTLS, one whose certificate
 * names another host and one with a self-signed certificate. Delivery runs through
 * deliverMessage, as the worker runs it, so the Logging rows are checked too.
 */

const FROM = "postkamer@postkamer.example";

const zones: TestZones = {
  // No MTA-STS: delivered as before.
  "open.example": { MX: [{ exchange: "mx.open.example", priority: 10 }] },
  "mx.open.example": { A: ["127.0.0.1"] },
  // enforce, MX with STARTTLS and a certificate for its name from the trusted CA.
  "good.example": { MX: [{ exchange: "mx.good.example", priority: 10 }] },
  "mx.good.example": { A: ["127.0.0.1"] },
  "_mta-sts.good.example": { TXT: [["v=STSv1; id=20261201"]] },
  "_smtp._tls.good.example": { TXT: [["v=TLSRPTv1; rua=mailto:tlsrpt@good.example"]] },
  "mta-sts.good.example": { A: ["127.0.0.1"] },
  // enforce, MX without STARTTLS.
  "plain.example": { MX: [{ exchange: "mx.plain.example", priority: 10 }] },
  "mx.plain.example": { A: ["127.0.0.2"] },
  "_mta-sts.plain.example": { TXT: [["v=STSv1; id=1"]] },
  "mta-sts.plain.example": { A: ["127.0.0.1"] },
  // enforce, MX whose certificate names another host.
  "wrongname.example": { MX: [{ exchange: "mx.wrongname.example", priority: 10 }] },
  "mx.wrongname.example": { A: ["127.0.0.3"] },
  "_mta-sts.wrongname.example": { TXT: [["v=STSv1; id=1"]] },
  "mta-sts.wrongname.example": { A: ["127.0.0.1"] },
  // enforce, MX with a certificate no trusted CA signed.
  "untrusted.example": { MX: [{ exchange: "mx.untrusted.example", priority: 10 }] },
  "mx.untrusted.example": { A: ["127.0.0.4"] },
  "_mta-sts.untrusted.example": { TXT: [["v=STSv1; id=1"]] },
  "mta-sts.untrusted.example": { A: ["127.0.0.1"] },
  // enforce, but the policy names none of the domain's MX hosts.
  "mismatch.example": { MX: [{ exchange: "mx.mismatch.example", priority: 10 }] },
  "mx.mismatch.example": { A: ["127.0.0.1"] },
  "_mta-sts.mismatch.example": { TXT: [["v=STSv1; id=1"]] },
  "mta-sts.mismatch.example": { A: ["127.0.0.1"] },
  // testing, MX without STARTTLS: delivered, the would-be failure recorded.
  "testing.example": { MX: [{ exchange: "mx.testing.example", priority: 10 }] },
  "mx.testing.example": { A: ["127.0.0.2"] },
  "_mta-sts.testing.example": { TXT: [["v=STSv1; id=1"]] },
  "mta-sts.testing.example": { A: ["127.0.0.1"] },
  // For the cache rules.
  "cache.example": { MX: [{ exchange: "mx.cache.example", priority: 10 }] },
  "_mta-sts.cache.example": { TXT: [["v=STSv1; id=one"]] },
  "mta-sts.cache.example": { A: ["127.0.0.1"] },
};

const policies: Record<string, string> = {
  "good.example": "version: STSv1\r\nmode: enforce\r\nmx: mx.good.example\r\nmax_age: 86400\r\n",
  "plain.example": "version: STSv1\nmode: enforce\nmx: *.plain.example\nmax_age: 86400\n",
  "wrongname.example": "version: STSv1\nmode: enforce\nmx: mx.wrongname.example\nmax_age: 86400\n",
  "untrusted.example": "version: STSv1\nmode: enforce\nmx: mx.untrusted.example\nmax_age: 86400\n",
  "mismatch.example": "version: STSv1\nmode: enforce\nmx: mx.elders.example\nmax_age: 86400\n",
  "testing.example": "version: STSv1\nmode: testing\nmx: mx.testing.example\nmax_age: 86400\n",
  "cache.example": "version: STSv1\nmode: enforce\nmx: mx.cache.example\nmax_age: 600\n",
};
const policyFetches: string[] = [];

let dns: TestDns;
let https: Server;
const mx: Record<"valid" | "plain" | "wrongName" | "selfSigned", TestMx | undefined> = {
  valid: undefined,
  plain: undefined,
  wrongName: undefined,
  selfSigned: undefined,
};
let sts: MtaStsSettings;

beforeAll(async () => {
  const ca = await createTestCa();
  dns = await startTestDns(zones);
  const policyCert = await ca.leaf(Object.keys(policies).map((domain) => `mta-sts.${domain}`));
  https = createHttpsServer({ ...policyCert }, (req, res) => {
    const domain = String(req.headers.host ?? "")
      .replace(/:\d+$/, "")
      .replace(/^mta-sts\./, "");
    policyFetches.push(domain);
    const policy = policies[domain];
    if (req.url !== "/.well-known/mta-sts.txt" || !policy) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(policy);
  });
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  const policyPort = (https.address() as AddressInfo).port;

  // One port on several loopback addresses: MX_PORT is one setting for every MX host.
  const validCert = await ca.leaf(["mx.good.example", "mx.open.example", "mx.mismatch.example", "mx.cache.example"]);
  mx.valid = await startMx("127.0.0.1", 0, { ...validCert });
  const port = mx.valid.port;
  // Not offered and refused when asked anyway (smtp-server would otherwise upgrade with its built-in certificate).
  mx.plain = await startMx("127.0.0.2", port, { hideSTARTTLS: true, disabledCommands: ["STARTTLS"] });
  mx.wrongName = await startMx("127.0.0.3", port, { ...(await ca.leaf(["mx.someone-else.example"])) });
  mx.selfSigned = await startMx("127.0.0.4", port, { ...(await ca.leaf(["mx.untrusted.example"], { untrusted: true })) });

  const caFile = join(mkdtempSync(join(tmpdir(), "postkamer-ca-")), "ca.pem");
  writeFileSync(caFile, ca.cert);
  // deliverMessage reads its settings from the environment, as the worker does.
  Object.assign(process.env, {
    DNS_SERVERS: dns.address,
    MX_PORT: String(port),
    ALLOW_PRIVATE_SMTP_HOSTS: "1",
    PLATFORM_FROM_ADDRESS: FROM,
    MTA_STS_PORT: String(policyPort),
    TEST_TRUSTED_CA_FILE: caFile,
  });
  delete process.env.PLATFORM_SMTP_URL;
  sts = { dnsServers: [dns.address], allowPrivate: true, port: policyPort, extraCa: ca.cert };
});

type TestMx = { port: number; received: ReceivedMail[]; close(): Promise<void> };

/** An MX host on one loopback address (all of 127/8 is loopback), keeping what it accepts. */
async function startMx(host: string, port: number, options: Partial<SMTPServerOptions>): Promise<TestMx> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    closeTimeout: 100,
    authOptional: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          receivedAt: Date.now(),
        });
        callback();
      });
    },
    ...options,
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { port: (server.server.address() as AddressInfo).port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

afterAll(async () => {
  await Promise.all([dns?.close(), ...Object.values(mx).map((server) => server?.close())]);
  await new Promise<void>((resolve) => https?.close(() => resolve()));
});

beforeEach(async () => {
  await resetDatabase();
  for (const server of Object.values(mx)) server!.received.length = 0;
  policyFetches.length = 0;
  zones["_mta-sts.cache.example"] = { TXT: [["v=STSv1; id=one"]] };
});

async function queue(to: string, subject = "Postkamer-verificatiecode (eigendom)") {
  const message = await testDb().outboundMessage.create({
    data: {
      kind: "OWNERSHIP_CODE",
      fromName: "Postkamer",
      fromAddress: FROM,
      to: [to],
      cc: [],
      bcc: [],
      recipientCount: 1,
      subject,
      text: "Verificatiecode: ABCD-EFGH",
      messageIdHeader: `<${crypto.randomUUID()}@postkamer.example>`,
      giveUpAt: new Date(Date.now() + 3_600_000),
    },
  });
  return message.id;
}

async function lastAttempt(messageId: string) {
  const message = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: messageId }, include: { attempts: { orderBy: { id: "desc" } } } });
  return { message, attempt: message.attempts[0]! };
}

type Tried = {
  host: string;
  ok: boolean;
  error?: string;
  tls?: { version?: string; verified: boolean; verifyError?: string; policy: string; wouldFail?: string };
};

describe("DKIM signing of the platform's mail", () => {
  it("sends the ownership mail DKIM-signed, and it verifies with mailauth against the key published in DNS", async () => {
    const key = await ensurePlatformDkimKey(testDb(), "postkamer.example");
    expect(key).toBeDefined();
    expect(key!.privateKeyBox).toMatch(/^v1\./);
    expect(key!.privateKeyBox).not.toContain("PRIVATE KEY");
    // A TXT character-string holds at most 255 bytes: a 2048-bit key is published in chunks.
    zones[`${key!.selector}._domainkey.postkamer.example`] = { TXT: [dkimRecordValue(key!.publicKey).match(/.{1,255}/g)!] };

    const id = await queue("beheer@open.example");
    expect(await deliverMessage(testDb(), id)).toBe("sent");
    const [mail] = mx.valid!.received;
    expect(mail!.raw).toMatch(/^DKIM-Signature: .*d=postkamer\.example/m);

    const resolver = new nodeDns.Resolver();
    resolver.setServers([dns.address]);
    const result = await dkimVerify(mail!.raw, { resolver: ((name: string, type: string) => resolver.resolve(name, type)) as never });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({ signingDomain: "postkamer.example", selector: key!.selector, status: { result: "pass" } });

    // Without the published key a receiver cannot verify: the signature is really checked against DNS.
    delete zones[`${key!.selector}._domainkey.postkamer.example`];
    const unpublished = await dkimVerify(mail!.raw, { resolver: ((name: string, type: string) => resolver.resolve(name, type)) as never });
    expect(unpublished.results[0]!.status.result).not.toBe("pass");
  });
});

describe("MTA-STS for direct delivery", () => {
  it("delivers to an enforce domain over verified TLS and records the TLS result and the policy", async () => {
    const id = await queue("beheer@good.example");
    expect(await deliverMessage(testDb(), id)).toBe("sent");
    expect(mx.valid!.received).toHaveLength(1);
    const { attempt } = await lastAttempt(id);
    const [tried] = attempt.tried as Tried[];
    expect(tried!.tls).toMatchObject({ verified: true, policy: "enforce" });
    expect(tried!.tls!.version).toMatch(/^TLSv1\.[23]$/);
    expect(attempt.dns).toContain("MTA-STS good.example → enforce (id 20261201; mx: mx.good.example; max_age 86400; fetched)");
    expect(attempt.dns).toContain("TLS-RPT mailto:tlsrpt@good.example");
  });

  it.each([
    ["an MX without STARTTLS", "plain.example", "plain" as const],
    ["an MX whose certificate names another host", "wrongname.example", "wrongName" as const],
    ["an MX whose certificate no trusted CA signed", "untrusted.example", "selfSigned" as const],
  ])("sends nothing to %s under enforce, and defers with a clear explanation", async (_what, domain, server) => {
    const id = await queue(`beheer@${domain}`);
    expect(await deliverMessage(testDb(), id)).toBe("retry");
    expect(mx[server]!.received).toHaveLength(0);
    const { message, attempt } = await lastAttempt(id);
    expect(message.status).toBe("RETRYING");
    expect(attempt).toMatchObject({ outcome: "RETRY", explanationId: "mta-sts-tls-failed" });
    const tried = attempt.tried as Tried[];
    // One try, no plaintext retry: the policy forbids it.
    expect(tried).toHaveLength(1);
    expect(tried[0]).toMatchObject({ ok: false, tls: { verified: false, policy: "enforce" } });
    expect(tried[0]!.tls!.verifyError).toBeTruthy();
  });

  it("sends nothing when the enforce policy names none of the domain's MX hosts", async () => {
    const id = await queue("beheer@mismatch.example");
    expect(await deliverMessage(testDb(), id)).toBe("retry");
    expect(mx.valid!.received).toHaveLength(0);
    const { attempt } = await lastAttempt(id);
    expect(attempt.explanationId).toBe("mta-sts-no-matching-mx");
    expect((attempt.tried as Tried[])[0]!.error).toContain("not an MX host of the policy (mx: mx.elders.example)");
  });

  it("delivers under testing, over plaintext when that is all the MX offers, and records what enforce would have refused", async () => {
    const id = await queue("beheer@testing.example");
    expect(await deliverMessage(testDb(), id)).toBe("sent");
    expect(mx.plain!.received).toHaveLength(1);
    const { attempt } = await lastAttempt(id);
    const [tried] = attempt.tried as Tried[];
    expect(tried!.tls).toMatchObject({ verified: false, policy: "testing", wouldFail: "no TLS (STARTTLS not offered or failed)" });
    expect(tried!.tls!.version).toBeUndefined();
  });
});

describe("the MTA-STS policy cache", () => {
  it("uses the cached policy while max_age lasts and the TXT id is unchanged, and fetches again when either changes", async () => {
    const start = new Date("2026-12-01T10:00:00Z");
    const first = await resolveMtaStsPolicy(testDb(), "cache.example", sts, start);
    expect(first.policy).toMatchObject({ mode: "enforce", mx: ["mx.cache.example"], maxAge: 600, id: "one" });
    expect(policyFetches).toEqual(["cache.example"]);
    const stored = await testDb().mtaStsPolicy.findUniqueOrThrow({ where: { domain: "cache.example" } });
    expect(stored.expiresAt.toISOString()).toBe("2026-12-01T10:10:00.000Z");

    // Within max_age, same id: from the cache, no fetch.
    const cached = await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:09:00Z"));
    expect(cached.trace).toContain("cached");
    expect(policyFetches).toHaveLength(1);

    // The id changed: fetched again although max_age has not passed.
    zones["_mta-sts.cache.example"] = { TXT: [["v=STSv1; id=two"]] };
    const changed = await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:09:30Z"));
    expect(changed.policy?.id).toBe("two");
    expect(changed.trace).toContain("id changed from one");
    expect(policyFetches).toHaveLength(2);

    // max_age passed (counted from the last fetch): fetched again.
    await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:19:00Z"));
    expect(policyFetches).toHaveLength(2);
    await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:20:00Z"));
    expect(policyFetches).toHaveLength(3);
  });

  it("keeps applying a cached policy when the TXT record disappears (no downgrade by blocking DNS), and none once it expired", async () => {
    const start = new Date("2026-12-01T10:00:00Z");
    await resolveMtaStsPolicy(testDb(), "cache.example", sts, start);
    delete zones["_mta-sts.cache.example"];
    const stillEnforced = await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:05:00Z"));
    expect(stillEnforced.policy?.mode).toBe("enforce");
    const expired = await resolveMtaStsPolicy(testDb(), "cache.example", sts, new Date("2026-12-01T10:11:00Z"));
    expect(expired.policy).toBeUndefined();
    expect(await testDb().mtaStsPolicy.count()).toBe(0);
  });
});
