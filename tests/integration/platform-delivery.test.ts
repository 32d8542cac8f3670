import { promises as nodeDns } from "node:dns";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sendViaPlatform, type PlatformDeliveryOptions, type PlatformMessage } from "@/lib/delivery/platform-transport.ts";
import { hasMailHosts, MailDomainError, resolveMailHosts } from "@/lib/smtp/mx.ts";
import { startTestDns, type TestDns, type TestZones } from "@/tests/support/dns.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "@/tests/support/smtp.ts";

/**
 * The platform's own delivery against real components on loopback: a DNS server answering for
 * the test domains and smtp-server instances acting as their MX hosts (and as a smarthost).
 * No database needed.
 */

const zones: TestZones = {
  "klant.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] },
  "mx.klant.example": { A: ["127.0.0.1"] },
  "sorted.example": {
    MX: [
      { exchange: "mx-c.sorted.example", priority: 30 },
      { exchange: "mx-a.sorted.example", priority: 10 },
      { exchange: "mx-b.sorted.example", priority: 20 },
    ],
  },
  "only-a.example": { A: ["127.0.0.1"] },
  "only-aaaa.example": { AAAA: ["::1"] },
  "nomail.example": { MX: [{ exchange: ".", priority: 0 }] },
  "no-records.example": { TXT: [["v=spf1 -all"]] },
  "_dmarc.klant.example": { TXT: [["v=DMARC1; p=reject; ", "rua=mailto:dmarc@klant.example"]] },
  "alias.klant.example": { CNAME: "mx.klant.example" },
  "servfail.example": { fail: "SERVFAIL" },
  "silent.example": { fail: "NO_ANSWER" },
  // First MX on an address where nothing listens (all of 127/8 is loopback), second one works.
  "failover.example": {
    MX: [
      { exchange: "down.failover.example", priority: 5 },
      { exchange: "up.failover.example", priority: 10 },
    ],
  },
  "down.failover.example": { A: ["127.0.0.2"] },
  "up.failover.example": { A: ["127.0.0.1"] },
  "dangling.example": {
    MX: [
      { exchange: "missing.dangling.example", priority: 10 },
      { exchange: "mx.klant.example", priority: 20 },
    ],
  },
};

let dns: TestDns;
const servers: TestSmtp[] = [];

async function smtp(options: Parameters<typeof startTestSmtp>[0] = {}) {
  const server = await startTestSmtp(options);
  servers.push(server);
  return server;
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const message = (overrides: Partial<PlatformMessage> = {}): PlatformMessage => ({
  from: { name: "Postkamer", address: "noreply@postkamer.example" },
  to: ["beheer@klant.example"],
  subject: "Verificatiecode / verification code",
  text: "Uw code is ABCD-EFGH.",
  messageId: "<ownership-1@postkamer.example>",
  ...overrides,
});

const direct = (mxPort: number, overrides: Partial<PlatformDeliveryOptions> = {}): PlatformDeliveryOptions => ({
  mxPort,
  dnsServers: [dns.address],
  allowPrivate: true,
  connectionTimeoutMs: 3_000,
  heloName: "postkamer.test",
  ...overrides,
});

beforeAll(async () => {
  dns = await startTestDns(zones);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(async () => {
  await dns.close();
});

describe("the loopback DNS server", () => {
  it("serves TXT records as their chunks and follows CNAMEs within its zones", async () => {
    const resolver = new nodeDns.Resolver();
    resolver.setServers([dns.address]);
    await expect(resolver.resolveTxt("_dmarc.klant.example")).resolves.toEqual([["v=DMARC1; p=reject; ", "rua=mailto:dmarc@klant.example"]]);
    await expect(resolver.resolve4("alias.klant.example")).resolves.toEqual(["127.0.0.1"]);
    await expect(resolver.resolve4("unknown.example")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });
});

describe("MX lookup through DNS_SERVERS", () => {
  it("returns the MX hosts sorted by preference, with a readable trace", async () => {
    const found = await resolveMailHosts("sorted.example", { dnsServers: [dns.address] });
    expect(found.source).toBe("MX");
    expect(found.hosts).toEqual([
      { exchange: "mx-a.sorted.example", priority: 10 },
      { exchange: "mx-b.sorted.example", priority: 20 },
      { exchange: "mx-c.sorted.example", priority: 30 },
    ]);
    expect(found.lookups).toEqual(["MX sorted.example → mx-a.sorted.example (10), mx-b.sorted.example (20), mx-c.sorted.example (30)"]);
  });

  it("falls back to the domain's A record when it has no MX (implicit MX)", async () => {
    const found = await resolveMailHosts("Only-A.example.", { dnsServers: [dns.address] });
    expect(found).toEqual({
      hosts: [{ exchange: "only-a.example", priority: 0 }],
      source: "A",
      lookups: ["MX only-a.example → none", "A only-a.example → 127.0.0.1"],
    });
  });

  it("falls back to the AAAA record when there is no A record either", async () => {
    const found = await resolveMailHosts("only-aaaa.example", { dnsServers: [dns.address] });
    expect(found.source).toBe("AAAA");
    expect(found.hosts).toEqual([{ exchange: "only-aaaa.example", priority: 0 }]);
  });

  it.each([
    ["nomail.example", "NULL_MX", /accepts no e-mail/],
    ["does-not-exist.example", "NXDOMAIN", /does not exist/],
    ["no-records.example", "NO_MAIL_HOSTS", /no mail servers/],
    ["servfail.example", "DNS_FAILURE", /failed/],
    ["not a domain", "NXDOMAIN", /not a valid domain/],
  ] as const)("refuses %s with reason %s", async (domain, reason, message) => {
    const error = await resolveMailHosts(domain, { dnsServers: [dns.address] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailDomainError);
    expect((error as MailDomainError).reason).toBe(reason);
    expect((error as MailDomainError).message).toMatch(message);
  });

  it("gives up after the timeout when the name server does not answer", async () => {
    const started = Date.now();
    const error = await resolveMailHosts("silent.example", { dnsServers: [dns.address], timeoutMs: 600 }).catch((caught: unknown) => caught);
    expect((error as MailDomainError).reason).toBe("TIMEOUT");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("answers the sender form's question: can this domain receive mail?", async () => {
    await expect(hasMailHosts("klant.example", { dnsServers: [dns.address] })).resolves.toMatchObject({ ok: true, source: "MX" });
    await expect(hasMailHosts("nomail.example", { dnsServers: [dns.address] })).resolves.toMatchObject({ ok: false, reason: "NULL_MX" });
  });

  it("accepts a bracketed IPv6 resolver address in the DNS_SERVERS format", async () => {
    // Nothing listens on [::1] at this port: the point is that the entry is accepted and the
    // failure is a DNS failure or timeout, not a crash on the format.
    const error = await resolveMailHosts("klant.example", { dnsServers: [`[::1]:${dns.port}`], timeoutMs: 800 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailDomainError);
    expect(["DNS_FAILURE", "TIMEOUT"]).toContain((error as MailDomainError).reason);
  });
});

describe("direct delivery to the recipient domain's MX hosts", () => {
  it("delivers exactly one message to the MX host, with the envelope and the Message-ID", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message(), direct(mx.port));

    expect(outcome).toMatchObject({
      status: "sent",
      route: "mx",
      classification: "success",
      messageId: "<ownership-1@postkamer.example>",
      responseCode: 250,
      recipients: ["beheer@klant.example"],
    });
    expect(outcome.dns).toBe("MX klant.example → mx.klant.example (10); A/AAAA mx.klant.example → 127.0.0.1");
    expect(outcome.tried).toEqual([expect.objectContaining({ host: "mx.klant.example", address: "127.0.0.1", port: mx.port, ok: true, responseCode: 250 })]);
    expect(mx.received).toHaveLength(1);
    const [mail] = mx.received;
    expect(mail!.from).toBe("noreply@postkamer.example");
    expect(mail!.to).toEqual(["beheer@klant.example"]);
    expect(mail!.raw).toMatch(/^Message-ID: <ownership-1@postkamer\.example>\r?$/m);
    expect(mail!.raw).toMatch(/^From: Postkamer <noreply@postkamer\.example>\r?$/m);
    expect(mail!.raw).toMatch(/^Subject: /m);
  });

  it("delivers to the domain itself when it has only an A record", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message({ to: ["info@only-a.example"] }), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(mx.received.map((mail) => mail.to)).toEqual([["info@only-a.example"]]);
  });

  it("moves to the next MX host when the first one cannot be reached", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message({ to: ["beheer@failover.example"] }), direct(mx.port));

    expect(outcome.status).toBe("sent");
    expect(outcome.tried).toEqual([
      expect.objectContaining({ host: "down.failover.example", address: "127.0.0.2", ok: false }),
      expect.objectContaining({ host: "up.failover.example", address: "127.0.0.1", ok: true }),
    ]);
    expect(outcome.tried[0]!.error).toMatch(/ECONNREFUSED|connect/i);
    expect(mx.received).toHaveLength(1);
  });

  it("moves to the next MX host when the first one's name does not resolve", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message({ to: ["beheer@dangling.example"] }), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(outcome.tried.map((attempt) => [attempt.host, attempt.ok])).toEqual([
      ["missing.dangling.example", false],
      ["mx.klant.example", true],
    ]);
    expect(outcome.dns).toContain("A/AAAA missing.dangling.example → NXDOMAIN");
  });

  it("is transient when no MX host can be reached", async () => {
    const outcome = await sendViaPlatform(message(), direct(await closedPort()));
    expect(outcome).toMatchObject({ status: "transient", route: "mx", classification: "transient" });
    expect(outcome.explanation?.id).toBe("connection-refused");
    expect(outcome.tried).toHaveLength(1);
  });

  it("treats greylisting (451) as transient, and delivers when the server accepts on the retry", async () => {
    let greylisting = true;
    const mx = await smtp({
      onRcptTo(_address, _session, callback) {
        if (greylisting) return callback(smtpError(451, "4.7.1 Greylisted, please try again later"));
        callback();
      },
    });

    const first = await sendViaPlatform(message(), direct(mx.port));
    expect(first).toMatchObject({ status: "transient", responseCode: 451 });
    expect(first.response).toMatch(/^451 4\.7\.1 Greylisted/);
    expect(["transient", "throttled"]).toContain(first.classification);
    expect(mx.received).toHaveLength(0);

    greylisting = false;
    const retry = await sendViaPlatform(message(), direct(mx.port));
    expect(retry.status).toBe("sent");
    expect(mx.received).toHaveLength(1);
  });

  it("does not try the next MX host after a definitive 4xx reply", async () => {
    const mx = await smtp({ onRcptTo: (_address, _session, callback) => callback(smtpError(451, "4.7.1 Greylisted")) });
    const outcome = await sendViaPlatform(message({ to: ["beheer@failover.example"] }), direct(mx.port));
    // down.failover.example is unreachable, up.failover.example answers 451: that ends it.
    expect(outcome.status).toBe("transient");
    expect(outcome.tried).toHaveLength(2);
  });

  it("treats an unknown recipient (550 5.1.1) as permanent, with an explanation", async () => {
    const mx = await smtp({ onRcptTo: (_address, _session, callback) => callback(smtpError(550, "5.1.1 User unknown")) });
    const outcome = await sendViaPlatform(message(), direct(mx.port));
    expect(outcome).toMatchObject({ status: "permanent", responseCode: 550, classification: "permanent" });
    expect(outcome.explanation?.id).toBe("recipient-unknown");
    expect(outcome.explanation?.nl).toBeTruthy();
    expect(mx.received).toHaveLength(0);
  });

  it.each([
    ["the domain does not exist", "nobody@does-not-exist.example", "permanent", "NXDOMAIN"],
    ["the domain accepts no mail", "nobody@nomail.example", "permanent", "NULL_MX"],
    ["the name server fails", "nobody@servfail.example", "transient", "DNS_FAILURE"],
  ] as const)("reports DNS trouble without throwing when %s", async (_case, to, status, reason) => {
    const outcome = await sendViaPlatform(message({ to: [to] }), direct(await closedPort()));
    expect(outcome).toMatchObject({ status, route: "mx", dnsError: { reason }, tried: [] });
    expect(outcome.dns).toBeTruthy();
  });

  it("refuses MX hosts on private addresses unless they are allowed", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message(), direct(mx.port, { allowPrivate: false }));
    expect(outcome).toMatchObject({ status: "permanent", classification: "config" });
    expect(outcome.explanation?.id).toBe("host-private-address");
    expect(mx.received).toHaveLength(0);
  });

  it("uses STARTTLS when the MX offers it", async () => {
    const secure: boolean[] = [];
    const mx = await smtp({
      onMailFrom(_address, session, callback) {
        secure.push(session.secure);
        callback();
      },
    });
    const outcome = await sendViaPlatform(message(), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(secure).toEqual([true]);
  });

  it("delivers in plaintext when the MX does not offer STARTTLS", async () => {
    const secure: boolean[] = [];
    const mx = await smtp({
      hideSTARTTLS: true,
      onMailFrom(_address, session, callback) {
        secure.push(session.secure);
        callback();
      },
    });
    const outcome = await sendViaPlatform(message(), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(secure).toEqual([false]);
    expect(mx.received).toHaveLength(1);
  });

  it("retries the same host without TLS when the STARTTLS handshake fails", async () => {
    const secure: boolean[] = [];
    // Offers STARTTLS but only speaks TLS 1.0, which Node refuses: the handshake fails.
    const mx = await smtp({
      minVersion: "TLSv1",
      maxVersion: "TLSv1",
      onMailFrom(_address, session, callback) {
        secure.push(session.secure);
        callback();
      },
    });
    const outcome = await sendViaPlatform(message(), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(outcome.tried.map((attempt) => [attempt.ok, attempt.plaintextRetry ?? false])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(secure).toEqual([false]);
    expect(mx.received).toHaveLength(1);
  });

  it("sends one transaction per recipient domain", async () => {
    const mx = await smtp();
    const outcome = await sendViaPlatform(message({ to: ["a@klant.example", "b@only-a.example", "c@klant.example"] }), direct(mx.port));
    expect(outcome.status).toBe("sent");
    expect(outcome.domains?.map((domain) => [domain.domain, domain.recipients])).toEqual([
      ["klant.example", ["a@klant.example", "c@klant.example"]],
      ["only-a.example", ["b@only-a.example"]],
    ]);
    expect(mx.received.map((mail) => mail.to)).toEqual([["a@klant.example", "c@klant.example"], ["b@only-a.example"]]);
  });
});

describe("delivery through the platform smarthost", () => {
  it("sends through PLATFORM_SMTP_URL and never to the MX hosts", async () => {
    const mx = await smtp();
    const relay = await smtp({ auth: { user: "platform", pass: "relay-secret" } });
    const url = `smtp://platform:relay-secret@127.0.0.1:${relay.port}/?tls.rejectUnauthorized=false`;
    const queriesBefore = dns.queries.length;

    const outcome = await sendViaPlatform(message(), { ...direct(mx.port), platformSmtpUrl: url });

    expect(outcome).toMatchObject({ status: "sent", route: "smarthost", messageId: "<ownership-1@postkamer.example>" });
    expect(outcome.dns).toBeUndefined();
    expect(outcome.tried).toEqual([expect.objectContaining({ host: "127.0.0.1", port: relay.port, ok: true })]);
    expect(JSON.stringify(outcome)).not.toContain("relay-secret");
    expect(relay.received).toHaveLength(1);
    expect(relay.received[0]).toMatchObject({ from: "noreply@postkamer.example", to: ["beheer@klant.example"], user: "platform" });
    expect(mx.received).toHaveLength(0);
    expect(dns.queries.length).toBe(queriesBefore);
  });

  it("maps the smarthost's refusal through the reply classification", async () => {
    const relay = await smtp({ auth: { user: "platform", pass: "relay-secret" } });
    const url = `smtp://platform:wrong@127.0.0.1:${relay.port}/?tls.rejectUnauthorized=false`;
    const outcome = await sendViaPlatform(message(), { platformSmtpUrl: url, connectionTimeoutMs: 3_000 });
    expect(outcome).toMatchObject({ status: "transient", route: "smarthost", classification: "auth", responseCode: 535 });
    expect(outcome.explanation?.id).toBe("wrong-credentials");
    expect(JSON.stringify(outcome)).not.toContain("wrong@");
    expect(relay.received).toHaveLength(0);
  });
});

describe("header injection", () => {
  it.each([
    ["a CR/LF in the subject", { subject: "Code\r\nBcc: victim@example.com" }],
    ["a LF in the display name", { from: { name: "Postkamer\nBcc: x@example.com", address: "noreply@postkamer.example" } }],
    ["a control character in a header value", { headers: { "X-Postkamer-Purpose": "ownership\u0000" } }],
    ["a recipient with two addresses", { to: ["a@klant.example, b@klant.example"] }],
  ])("refuses %s with a TypeError before connecting", async (_case, overrides) => {
    const mx = await smtp();
    await expect(sendViaPlatform(message(overrides as Partial<PlatformMessage>), direct(mx.port))).rejects.toThrow(TypeError);
    expect(mx.received).toHaveLength(0);
  });
});
