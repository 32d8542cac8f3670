import { Socket, isIP } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { parseReply, type SmtpOutcome } from "./replies.ts";

/**
 * A small SMTP client that reads one reply at a time: for "Verbinding testen"
 * (lib/mailservers/probe.ts), which walks a session step by step and stops before DATA —
 * nodemailer cannot stop there and reports only the first error. Failures have the shape the
 * reply catalogue classifies (the same as a nodemailer error).
 */

const MAX_BUFFERED_BYTES = 64 * 1024;
const MAX_REPLY_LINES = 200;

/** A failed step, in the shape `replies.ts` classifies (the same as a nodemailer error). */
export class StepFailure extends Error implements SmtpOutcome {
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  /** Shown beside the reply, e.g. the error details of an XOAUTH2 challenge. */
  detail?: string;
  constructor(
    message: string,
    fields: Omit<SmtpOutcome, "message" | "responseCode" | "response"> & { response?: string; responseCode?: number; detail?: string },
  ) {
    super(message);
    Object.assign(this, fields);
  }
}

export const TIMEOUT = "ETIMEDOUT";

export function categorize(error: NodeJS.ErrnoException, command: string): StepFailure {
  if (error instanceof StepFailure) return error;
  const code = error.code ?? "";
  const tlsError = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|HOSTNAME_MISMATCH)/.test(code) || command === "TLS" || command === "STARTTLS";
  return new StepFailure(readableMessage(error), {
    code: code === TIMEOUT ? TIMEOUT : tlsError ? "ETLS" : "ECONNECTION",
    originalCode: code || undefined,
    command,
  });
}

/** OpenSSL messages carry library internals; its `reason` is the part an administrator can use. */
function readableMessage(error: NodeJS.ErrnoException & { reason?: unknown }): string {
  const message = typeof error.reason === "string" && /SSL routines/.test(error.message) ? error.reason : error.message;
  // Node's hint about --use-system-ca is advice for developers, not for the administrator.
  return message.replace(/;\s*if the root CA is installed locally.*$/s, "");
}

/**
 * One SMTP conversation over a socket that can be upgraded to TLS. Replies are read whole
 * (multi-line replies joined); any close, error or the deadline rejects the pending read.
 */
export class SmtpConversation {
  private socket: Socket | TLSSocket;
  private readonly sockets: Socket[] = [];
  private buffer = "";
  private lines: string[] = [];
  private readonly replies: string[] = [];
  private waiter: { resolve: (reply: string) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket) {
    this.sockets.push(socket);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new StepFailure("Connection closed unexpectedly", { code: "ECONNECTION" })));
  }

  private onData(chunk: string) {
    this.buffer += chunk;
    if (this.buffer.length > MAX_BUFFERED_BYTES) {
      this.fail(new StepFailure("The server sent an over-long reply", { code: "EPROTOCOL" }));
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, "");
      this.buffer = this.buffer.slice(newline + 1);
      this.lines.push(line);
      const match = /^(\d{3})([ -]|$)/.exec(line);
      if (!match) {
        this.fail(new StepFailure("The server's reply is not SMTP", { code: "EPROTOCOL", response: this.lines.join("\n") }));
        return;
      }
      if (this.lines.length > MAX_REPLY_LINES) {
        this.fail(new StepFailure("The server sent an over-long reply", { code: "EPROTOCOL" }));
        return;
      }
      if (match[2] !== "-") {
        this.replies.push(this.lines.join("\n"));
        this.lines = [];
      }
    }
    this.deliver();
  }

  private deliver() {
    if (!this.waiter) return;
    const reply = this.replies.shift();
    if (reply !== undefined) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(reply);
    } else if (this.failure) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  fail(error: Error) {
    this.failure ??= error;
    this.deliver();
  }

  /** The next complete reply; rejects once the connection has failed and nothing is left. */
  read(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.deliver();
    });
  }

  write(line: string) {
    if (!this.failure) this.socket.write(`${line}\r\n`);
  }

  async command(line: string): Promise<string> {
    this.write(line);
    return this.read();
  }

  /** Hands the connection to TLS; data the server sent before the handshake is discarded. */
  async upgrade(options: { servername: string; verifyCertificate: boolean }): Promise<TLSSocket> {
    // Anything already buffered arrived in plaintext after the STARTTLS reply and could be an
    // injected response; it must not be read as coming from inside TLS.
    this.buffer = "";
    this.lines = [];
    this.replies.length = 0;
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    const secure = tlsConnect({
      socket: plain,
      // SNI must be a name, never an IP; the certificate is then checked against `host`.
      ...(isIP(options.servername) ? {} : { servername: options.servername }),
      host: options.servername,
      rejectUnauthorized: options.verifyCertificate,
    });
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      secure.once("secureConnect", () => {
        secure.off("error", onError);
        resolve();
      });
      secure.once("error", onError);
      secure.once("close", () => reject(this.failure ?? new Error("Connection closed during the TLS handshake")));
      if (this.failure) reject(this.failure);
    });
    return secure;
  }

  destroy() {
    for (const socket of this.sockets) socket.destroy();
  }
}

export function connectTcp(address: string, port: number, family: 4 | 6, track: (socket: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    track(socket);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (error) => {
      socket.destroy();
      reject(error);
    });
    socket.connect({ host: address, port, family });
  });
}

export function capabilities(ehloReply: string) {
  const keywords = (parseReply(ehloReply)?.text ?? "")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().toUpperCase());
  const auth = keywords
    .filter((line) => /^AUTH[ =]/.test(line))
    .flatMap((line) => line.slice(5).split(/\s+/))
    .filter(Boolean);
  return {
    starttls: keywords.some((line) => line === "STARTTLS"),
    smtputf8: keywords.some((line) => line === "SMTPUTF8"),
    auth: keywords.some((line) => /^AUTH[ =]/.test(line)) ? new Set(auth) : undefined,
  };
}

export function codeOf(reply: string): number {
  return Number(reply.slice(0, 3));
}
