import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { generate } from "selfsigned";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostResolver } from "@/lib/mailservers/host-guard.ts";
import { probeSmtpServer, type ProbeContext, type ProbeResult, type ProbeTarget } from "@/lib/mailservers/probe.ts";
import { serverStateAfterTest, summarizeProbe, type ProbeSummary } from "@/lib/mailservers/probe-summary.ts";
import { translator } from "@/lib/i18n/translate.ts";

// Real components on loopback: smtp-server with STARTTLS (a certificate generated per run, so no
// private key is ever committed), AUTH required, and handlers that reject like real providers.

const USER = "beheer@klant.example";
const PASSWORD = "Zeer-Geheim-Wachtwoord-42!";
const SMTP_ERROR = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

let tls: { key: string; cert: string };
const servers: Array<{ close: (done: () => void) => void }> = [];

async function listen(server: SMTPServer | Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const netServer = server instanceof SMTPServer ? server.server : server;
  return (netServer.address() as AddressInfo).port;
}

function smtpServer(overrides: Partial<SMTPServerOptions> = {}): SMTPServer {
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    disabledCommands: [],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: auth.username });
      return callback(SMTP_ERROR(535, "5.7.8 Error: authentication failed"));
    },
    onMailFrom(address, _session, callback) {
      if (address.address === "ander@klant.example")
        return callback(SMTP_ERROR(554, "5.2.252 SendAsDenied; beheer@klant.example not allowed to send as ander@klant.example"));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith("@elders.example")) return callback(SMTP_ERROR(550, "5.7.1 Unable to relay"));
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => callback(SMTP_ERROR(554, "5.0.0 The probe must never send DATA")));
    },
    ...overrides,
  });
  server.on("error", () => {});
  return server;
}

let port: number;

function target(overrides: Partial<ProbeTarget> = {}): ProbeTarget {
  return {
    host: "127.0.0.1",
    port,
    tlsMode: "STARTTLS",
    verifyCertificate: false,
    username: USER,
    password: PASSWORD,
    heloName: "postkamer.test",
    mailFrom: "beheer@klant.example",
    rcptTo: "ontvanger@extern.example",
    ...overrides,
  };
}

const loopback = { allowPrivate: true, timeoutMs: 5_000 };

function failed(result: ProbeResult) {
  return result.steps.find((step) => !step.ok);
}

beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  tls = { key: pems.private, cert: pems.cert };
  port = await listen(smtpServer());
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

describe("Verbinding testen against a real SMTP server on loopback", () => {
  it("passes every step with the right password, each with its reply and time", async () => {
    const result = await probeSmtpServer(target(), loopback);
    expect(result.ok).toBe(true);
    expect(result.failedStep).toBeUndefined();
    expect(result.steps.map((step) => step.step)).toEqual([
      "resolve",
      "connect",
      "greeting",
      "ehlo",
      "starttls",
      "ehloAfterTls",
      "auth",
      "mailFrom",
      "rcptTo",
      "rset",
      "quit",
    ]);
    for (const step of result.steps) {
      expect(step.ok).toBe(true);
      expect(step.ms).toBeGreaterThanOrEqual(0);
    }
    for (const step of result.steps.slice(2)) {
      expect(step.reply, step.step).toMatch(/^\d{3}/);
    }
    expect(result.steps.find((step) => step.step === "auth")).toMatchObject({ code: 235 });
    expect(result.steps.find((step) => step.step === "starttls")?.detail).toMatch(/^TLSv1\.[23], certificate not verified$/);
    expect(result.totalMs).toBeLessThan(5_000);
  });

  it("stops before DATA: the server never receives a message", async () => {
    let messages = 0;
    const server = smtpServer({
      onData(stream, _session, callback) {
        messages += 1;
        stream.resume();
        stream.on("end", () => callback());
      },
    });
    const ownPort = await listen(server);
    const result = await probeSmtpServer(target({ port: ownPort }), loopback);
    expect(result.ok).toBe(true);
    expect(messages).toBe(0);
  });

  it("fails at AUTH with the explained 535 for a wrong password", async () => {
    const result = await probeSmtpServer(target({ password: "fout-wachtwoord" }), loopback);
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe("auth");
    expect(failed(result)).toMatchObject({
      step: "auth",
      code: 535,
      classification: "auth",
      explanation: { id: "wrong-credentials" },
    });
    expect(failed(result)?.explanation?.nl).toMatch(/gebruikersnaam of het wachtwoord/);
    expect(result.steps.at(-1)?.step).toBe("auth");
  });

  it("explains Microsoft's 535 5.7.139: SMTP AUTH disabled for the tenant", async () => {
    const server = smtpServer({
      onAuth(_auth, _session, callback) {
        callback(
          SMTP_ERROR(
            535,
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
          ),
        );
      },
    });
    const result = await probeSmtpServer(target({ port: await listen(server) }), loopback);
    expect(result.failedStep).toBe("auth");
    expect(failed(result)).toMatchObject({ code: 535, explanation: { id: "microsoft-smtp-auth-disabled" } });
    expect(failed(result)?.reply).toContain("5.7.139");
    expect(failed(result)?.explanation?.action?.nl).toMatch(/OAuth2/);
  });

  it("explains 554 5.2.252 SendAsDenied at MAIL FROM: grant Send As", async () => {
    const result = await probeSmtpServer(target({ mailFrom: "ander@klant.example" }), loopback);
    expect(result.failedStep).toBe("mailFrom");
    expect(failed(result)).toMatchObject({ code: 554, classification: "config", explanation: { id: "send-as-denied" } });
    expect(failed(result)?.explanation?.action?.nl).toMatch(/Verzenden als/);
  });

  it("explains 550 5.7.1 Unable to relay at RCPT TO", async () => {
    const result = await probeSmtpServer(target({ rcptTo: "iemand@elders.example" }), loopback);
    expect(result.failedStep).toBe("rcptTo");
    expect(failed(result)).toMatchObject({ code: 550, explanation: { id: "relaying-denied" } });
  });

  it("explains a server that does not offer STARTTLS while it is required", async () => {
    const server = smtpServer({ disabledCommands: ["STARTTLS"], allowInsecureAuth: true });
    const result = await probeSmtpServer(target({ port: await listen(server) }), loopback);
    expect(result.failedStep).toBe("starttls");
    expect(failed(result)).toMatchObject({ classification: "config", explanation: { id: "starttls-not-offered" } });
    // The password was never sent over the unencrypted connection.
    expect(result.steps.some((step) => step.step === "auth")).toBe(false);
  });

  it("explains the self-signed certificate when the certificate is verified", async () => {
    const result = await probeSmtpServer(target({ verifyCertificate: true }), loopback);
    expect(result.failedStep).toBe("starttls");
    expect(failed(result)).toMatchObject({ classification: "config", explanation: { id: "tls-self-signed" } });
    expect(result.steps.some((step) => step.step === "auth")).toBe(false);
  });

  it("speaks implicit TLS (port 465 style)", async () => {
    const server = smtpServer({ secure: true });
    const result = await probeSmtpServer(target({ port: await listen(server), tlsMode: "IMPLICIT" }), loopback);
    expect(result.ok).toBe(true);
    expect(result.steps.map((step) => step.step).slice(0, 4)).toEqual(["resolve", "connect", "tls", "greeting"]);
  });

  it("explains a closed port as connection refused, quickly", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await probeSmtpServer(target({ port: closedPort }), loopback);
    expect(result.failedStep).toBe("connect");
    expect(failed(result)).toMatchObject({ classification: "transient", explanation: { id: "connection-refused" } });
    expect(result.totalMs).toBeLessThan(1_000);
  });

  it("explains a server that accepts but never greets, within the timeout", async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => accepted.push(socket));
    const silentPort = await listen(silent);
    const result = await probeSmtpServer(target({ port: silentPort }), { allowPrivate: true, timeoutMs: 400 });
    expect(result.failedStep).toBe("greeting");
    expect(failed(result)).toMatchObject({ classification: "transient", explanation: { id: "greeting-timeout" } });
    expect(result.totalMs).toBeGreaterThanOrEqual(350);
    expect(result.totalMs).toBeLessThan(1_000);
    for (const socket of accepted) socket.destroy();
  });

  it("explains implicit TLS against a plain SMTP port as a TLS-mode mismatch", async () => {
    const result = await probeSmtpServer(target({ tlsMode: "IMPLICIT" }), loopback);
    expect(result.failedStep).toBe("tls");
    expect(failed(result)?.explanation?.id).toMatch(/^(tls-wrong-mode|tls-handshake-failed|connection-closed)$/);
  });

  it("refuses a private address before any connection when allowPrivate is off", async () => {
    let connections = 0;
    const counting = smtpServer({
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
    });
    const countingPort = await listen(counting);
    const resolver: HostResolver = { lookup: async () => [{ address: "127.0.0.1", family: 4 }] };
    const result = await probeSmtpServer(target({ host: "mail.klant.example", port: 587 }), { allowPrivate: false, resolver });
    expect(result.failedStep).toBe("resolve");
    expect(result.steps).toHaveLength(1);
    expect(failed(result)).toMatchObject({ classification: "config", explanation: { id: "host-private-address" } });
    expect(JSON.stringify(result)).not.toContain("127.0.0.1");

    const literal = await probeSmtpServer(target({ port: countingPort }), { allowPrivate: false });
    expect(literal.failedStep).toBe("resolve");
    expect(connections).toBe(0);
  });

  it("never puts the password in the result, also when a server echoes the credentials", async () => {
    const echoing = createServer((socket) => {
      socket.write("220 echo ESMTP\r\n");
      socket.on("data", (chunk) => {
        for (const line of chunk.toString().split("\r\n").filter(Boolean)) {
          if (line.startsWith("EHLO")) socket.write("250-echo\r\n250 AUTH PLAIN\r\n");
          else socket.write(`535 5.7.8 Bad credentials: ${line} ${PASSWORD}\r\n`);
        }
      });
    });
    const echoPort = await listen(echoing);
    const results = [
      await probeSmtpServer(target(), loopback),
      await probeSmtpServer(target({ password: "fout-wachtwoord" }), loopback),
      await probeSmtpServer(target({ port: echoPort, tlsMode: "NONE" }), loopback),
    ];
    expect(results[2]?.failedStep).toBe("auth");
    for (const result of results) {
      const json = JSON.stringify(result);
      expect(json).not.toContain(PASSWORD);
      expect(json).not.toContain(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"));
      expect(json).not.toContain(Buffer.from(PASSWORD).toString("base64"));
    }
    expect(results[2]?.steps.find((step) => step.step === "auth")?.sent).toBe(`AUTH PLAIN (${USER} / ••••••••)`);
  });

  it("refuses command injection through the addresses", async () => {
    await expect(probeSmtpServer(target({ mailFrom: "a@b.example>\r\nRCPT TO:<x@y.example" }), loopback)).rejects.toThrow(TypeError);
  });
});

describe("the connection test in plain words (no library English on a Dutch screen)", () => {
  const nl = translator("nl");
  const en = translator("en");
  const context = (overrides: Partial<ProbeContext> = {}): ProbeContext => ({
    host: "127.0.0.1",
    port,
    mailFrom: "beheer@klant.example",
    rcptTo: "ontvanger@extern.example",
    ownSender: true,
    ...overrides,
  });
  const texts = (summary: ProbeSummary) => [summary.headline, summary.cause, summary.action, summary.note].filter(Boolean).join("\n");

  /** The summary holds none of the raw words of the failed step: those stay under "Technische details". */
  function expectNoRawText(result: ProbeResult, summary: ProbeSummary) {
    const step = failed(result)!;
    for (const raw of [step.detail, step.reply].filter((text): text is string => Boolean(text))) {
      expect(texts(summary)).not.toContain(raw);
    }
  }

  it("names a host that cannot be found in Dutch and English, advising to check the spelling, with the resolver's words kept aside", async () => {
    const resolver: HostResolver = { lookup: async () => [] };
    const result = await probeSmtpServer(target({ host: "smtp.klant.example", port: 587 }), { ...loopback, resolver });
    expect(failed(result)?.detail).toBe('Host "smtp.klant.example" could not be found');
    const summary = summarizeProbe({ ...result, context: context({ host: "smtp.klant.example", port: 587 }) }, nl, "nl");
    expect(summary).toMatchObject({
      tone: "error",
      headline: "De test is mislukt bij stap “Adres opzoeken”.",
      cause: "De hostnaam van de mailserver is niet gevonden in DNS.",
      action: "Controleer de spelling van de hostnaam.",
    });
    expectNoRawText(result, summary);
    expect(summarizeProbe(result, en, "en").cause).toBe("The mail server's host name was not found in DNS.");
  });

  it("does not advise checking the spelling of a preset's host: it says the provider's host is not reachable from here", async () => {
    const resolver: HostResolver = { lookup: async () => [] };
    const result = await probeSmtpServer(target({ host: "smtp.office365.com", port: 587 }), { ...loopback, resolver });
    const summary = summarizeProbe({ ...result, context: context({ host: "smtp.office365.com", port: 587, presetType: "MICROSOFT_365" }) }, nl, "nl");
    expect(summary.cause).toBe(
      "De host smtp.office365.com van Microsoft 365 / Exchange Online is vanaf hier niet te vinden: het opzoeken van de naam (DNS) lukt niet.",
    );
    expect(summary.action).toContain("komt uit de voorinstelling en is goed gespeld");
    expect(summary.action).toContain("poort 587");
    expect(texts(summary)).not.toMatch(/spelling/);
    expectNoRawText(result, summary);
  });

  it("explains a refused connection (ECONNREFUSED) and a preset's port that cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probeSmtpServer(target({ port: closedPort }), loopback);
    expect(failed(result)?.detail).toMatch(/ECONNREFUSED/);
    const summary = summarizeProbe(result, nl, "nl");
    expect(summary.cause).toMatch(/^De mailserver weigert de verbinding op deze poort/);
    expect(summary.action).toMatch(/^Controleer host en poort/);
    expect(texts(summary)).not.toMatch(/ECONNREFUSED|connect/);
    const preset = summarizeProbe({ ...result, context: context({ host: "smtp.sendgrid.net", port: closedPort, presetType: "SENDGRID" }) }, nl, "nl");
    expect(preset.cause).toBe(`De host smtp.sendgrid.net van SendGrid is vanaf hier niet bereikbaar op poort ${closedPort}.`);
  });

  it("explains a server that never answers, a certificate that is not trusted and a refused password in Dutch", async () => {
    const silent = createServer(() => {});
    const silentPort = await listen(silent);
    const timeout = await probeSmtpServer(target({ port: silentPort }), { allowPrivate: true, timeoutMs: 300 });
    const certificate = await probeSmtpServer(target({ verifyCertificate: true }), loopback);
    const password = await probeSmtpServer(target({ password: "fout-wachtwoord" }), loopback);
    for (const result of [timeout, certificate, password]) {
      const summary = summarizeProbe(result, nl, "nl");
      expect(summary.tone).toBe("error");
      expect(summary.cause).toBeTruthy();
      expect(summary.action).toBeTruthy();
      expectNoRawText(result, summary);
      expect(texts(summary)).not.toMatch(/No answer within|self[- ]signed|authentication failed|certificate/i);
    }
    expect(summarizeProbe(certificate, nl, "nl").cause).toMatch(/certificaat/);
    expect(summarizeProbe(password, nl, "nl").cause).toMatch(/gebruikersnaam of het wachtwoord/);
  });

  it("gives a plain sentence per step for a failure the reply catalogue does not know (a server that does not speak SMTP)", async () => {
    const garbage = createServer((socket) => socket.write("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const result = await probeSmtpServer(target({ port: await listen(garbage) }), loopback);
    expect(result.failedStep).toBe("greeting");
    const summary = summarizeProbe(result, nl, "nl");
    expect(summary.cause).toBe(nl("mailservers.probe.problem.greeting"));
    expect(summary.action).toBe(nl("mailservers.probe.problemAction.greeting"));
    expectNoRawText(result, summary);
  });

  it("reports another From refused at MAIL FROM as that address being refused while the server works", async () => {
    const result = await probeSmtpServer(target({ mailFrom: "ander@klant.example" }), loopback);
    const other = { ...result, context: context({ mailFrom: "ander@klant.example", ownSender: false }) };
    const summary = summarizeProbe(other, nl, "nl");
    expect(summary).toMatchObject({
      tone: "warning",
      headline: "De server werkt, maar weigert afzender ander@klant.example.",
      note: expect.stringMatching(/^Verbinden en inloggen zijn gelukt/),
    });
    expect(summary.action).toMatch(/Verzenden als/);
    // The same refusal of one of the server's own senders is a failure of the server.
    expect(summarizeProbe({ ...result, context: context({ mailFrom: "ander@klant.example", ownSender: true }) }, nl, "nl").tone).toBe("error");
  });

  it("keeps the server's state when another From is refused, unless an own sender was refused before", async () => {
    const passed = await probeSmtpServer(target(), loopback);
    const refusedOther = { ...(await probeSmtpServer(target({ mailFrom: "ander@klant.example" }), loopback)), context: context({ ownSender: false }) };
    const refusedOwn = { ...refusedOther, context: context({ ownSender: true }) };
    const unreachable = { ...(await probeSmtpServer(target({ password: "fout-wachtwoord" }), loopback)), context: context({ ownSender: false }) };
    expect(serverStateAfterTest(refusedOther, { ok: true, result: passed })).toBe(true);
    expect(serverStateAfterTest(refusedOther, { ok: null, result: null })).toBe(true);
    expect(serverStateAfterTest(refusedOther, { ok: false, result: refusedOwn })).toBe(false);
    expect(serverStateAfterTest(refusedOwn, { ok: true, result: passed })).toBe(false);
    // Before MAIL FROM it is the server, whoever the From is.
    expect(serverStateAfterTest(unreachable, { ok: true, result: passed })).toBe(false);
    expect(serverStateAfterTest(passed, { ok: false, result: refusedOwn })).toBe(true);
  });
});
