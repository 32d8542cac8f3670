import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/**
 * A real SMTP server on loopback for tests (the `smtp-server` package): STARTTLS with a
 * certificate made per run (no private key is committed), optional AUTH, and every accepted
 * message kept with its envelope and receive time.
 */
export type ReceivedMail = { from: string; to: string[]; raw: string; receivedAt: number; user?: string };

export type TestSmtp = {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
};

let certificate: Promise<{ key: string; cert: string }> | undefined;

export function testCertificate() {
  certificate ??= generate([{ name: "commonName", value: "localhost" }], {
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
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

export function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startTestSmtp(options: { auth?: { user: string; pass: string }; port?: number } & Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const { auth, port = 0, ...overrides } = options;
  const received: ReceivedMail[] = [];
  const { key, cert } = await testCertificate();
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    // Clients (the worker's pooled connections) keep idle connections open; close() would wait 30 s for them.
    closeTimeout: 100,
    authOptional: !auth,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: credentials.username });
      callback(smtpError(535, "5.7.8 Error: authentication failed"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          receivedAt: Date.now(),
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback();
      });
    },
    ...overrides,
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A listener that takes `delayMs` per message, so a kill lands mid-drain, and keeps each arrival's
 * "Bericht <i>" index and time (a message arriving twice is there twice).
 */
export async function startSlowCountingSmtp(delayMs = 10): Promise<{ smtp: TestSmtp; arrivals: { index: number; at: number }[] }> {
  const arrivals: { index: number; at: number }[] = [];
  const smtp = await startTestSmtp({
    onData(stream, _session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        arrivals.push({ index: Number(/Bericht (\d+)/.exec(raw)![1]), at: Date.now() });
        setTimeout(() => callback(), delayMs);
      });
    },
  });
  return { smtp, arrivals };
}
