import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { generate } from "selfsigned";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostResolver } from "@/lib/mailservers/host-guard.ts";
import { probeSmtpServer, type ProbeResult, type ProbeTarget } from "@/lib/mailservers/probe.ts";

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
