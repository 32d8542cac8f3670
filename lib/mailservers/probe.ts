import type { Socket } from "node:net";
import { hostname as osHostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import { HostRefusedError, resolveSmtpHost, type CheckedHost, type HostResolver } from "@/lib/mailservers/host-guard.ts";
import type { ServerTypeId, TlsMode } from "@/lib/mailservers/presets.ts";
import { capabilities, categorize, codeOf, connectTcp, SmtpConversation, StepFailure, TIMEOUT } from "@/lib/smtp/conversation.ts";
import { classifyReply, explainReply, parseReply, type ReplyClass, type ReplyExplanation, type SmtpOutcome } from "@/lib/smtp/replies.ts";

/**
 * "Verbinding testen": walks an SMTP session step by step (for OAuth2 first the token, then
 * resolve, connect, TLS, EHLO, AUTH, MAIL FROM, RCPT TO) and stops before DATA, so nothing is sent. nodemailer cannot stop there
 * and reports only the first error, which is why this is a small client of its own.
 *
 * Everything is bounded by one deadline (at most 20 s): when it passes, the socket is
 * destroyed and the step in progress fails as a timeout. The password never appears in the
 * result: the AUTH command is shown masked, and server replies are scrubbed of it (a broken
 * server might echo the base64 credentials back in an error).
 */

export type ProbeStepName =
  "token" | "resolve" | "connect" | "tls" | "greeting" | "ehlo" | "starttls" | "ehloAfterTls" | "auth" | "mailFrom" | "rcptTo" | "rset" | "quit";

export interface ProbeTarget {
  host: string;
  port: number;
  tlsMode: TlsMode;
  verifyCertificate: boolean;
  username?: string;
  password?: string;
  /** OAuth2 (XOAUTH2) instead of a password: where the token comes from, and how to get one. */
  oauth?: { endpoint: string; token: () => Promise<{ accessToken: string; expiresAt: number }> };
  heloName?: string;
  mailFrom: string;
  rcptTo: string;
}

export interface ProbeOptions {
  allowPrivate: boolean;
  /** Budget for the whole probe; default 15 s, never more than 20 s. */
  timeoutMs?: number;
  resolver?: HostResolver;
}

export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  /** What was sent (the AUTH command masked). */
  sent?: string;
  /** The server's reply, all lines. */
  reply?: string;
  code?: number;
  /** Facts the client found itself: the resolved address, the TLS version, an error text. */
  detail?: string;
  ms: number;
  /** How delivery would treat this failure. */
  classification?: Exclude<ReplyClass, "success">;
  explanation?: ReplyExplanation;
}

export interface ProbeResult {
  ok: boolean;
  steps: ProbeStep[];
  totalMs: number;
  failedStep?: ProbeStepName;
  /** Added by the caller that knows the server (testServerConnection); absent in results stored before it existed. */
  context?: ProbeContext;
}

/** What the page needs to explain a result in plain words: who the test spoke as, and where the host came from. */
export interface ProbeContext {
  host: string;
  port: number;
  mailFrom: string;
  rcptTo: string;
  /** The From is the server's account or one of its senders; a refusal of another address says nothing about the server. */
  ownSender: boolean;
  /** The host is the one the server type's preset filled in (so "check the spelling" is no advice). */
  presetType?: ServerTypeId;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;
export const MAX_PROBE_TIMEOUT_MS = 20_000;

const MAX_SHOWN_CHARS = 2_000;
const MASK = "••••••••";

function defaultHeloName(): string {
  // Like nodemailer: a fully qualified host name, else an address literal many servers accept.
  const name = osHostname();
  return name.includes(".") && /^[A-Za-z0-9.-]+$/.test(name) ? name : "[127.0.0.1]";
}

const SAFE_ADDRESS = /^[^\s<>\p{Cc}]{1,320}$/u;
const SAFE_HELO = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** A CR or LF here would let one field inject extra SMTP commands. The form validates first. */
function assertSafeTarget(target: ProbeTarget) {
  if (!SAFE_ADDRESS.test(target.mailFrom)) throw new TypeError("mailFrom must be an e-mail address without spaces, <, > or control characters");
  if (!SAFE_ADDRESS.test(target.rcptTo)) throw new TypeError("rcptTo must be an e-mail address without spaces, <, > or control characters");
  if (target.heloName && !SAFE_HELO.test(target.heloName)) throw new TypeError("heloName must be a host name or an address literal");
  // XOAUTH2 separates its fields with ^A: a control character in the user name would forge one.
  if (target.oauth && !SAFE_ADDRESS.test(target.username ?? "")) throw new TypeError("username must be an e-mail address for OAuth2");
}

export async function probeSmtpServer(target: ProbeTarget, options: ProbeOptions): Promise<ProbeResult> {
  assertSafeTarget(target);
  const started = performance.now();
  const budget = Math.min(Math.max(1, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS), MAX_PROBE_TIMEOUT_MS);
  const deadline = started + budget;
  const remaining = () => Math.max(0, deadline - performance.now());
  const steps: ProbeStep[] = [];

  const password = target.password ?? "";
  const username = target.username?.trim() ?? "";
  const secrets = password
    ? [
        password,
        Buffer.from(password, "utf8").toString("base64"),
        Buffer.from(`\0${username}\0${password}`, "utf8").toString("base64"),
        // A one- or two-character password cannot be masked without mangling every reply code
        // (and cannot be kept out of any JSON); such passwords fail the form's own validation.
      ].filter((secret) => secret.length >= 3)
    : [];
  /** The access token and the XOAUTH2 string built from it, once there is one. */
  const rememberSecret = (secret: string) => secrets.push(secret);
  const scrub = (text: string) => {
    let clean = text;
    for (const secret of secrets) clean = clean.split(secret).join(MASK);
    return clean.length > MAX_SHOWN_CHARS ? `${clean.slice(0, MAX_SHOWN_CHARS)}…` : clean;
  };

  let conversation: SmtpConversation | undefined;
  let connecting: Socket | undefined;
  let current: { command: string } = { command: "CONN" };
  // One watchdog for the whole run: it tears the connection down, which fails whatever is in
  // progress (connect, handshake or read) as a timeout.
  let timedOut = false;
  const budgetText = budget < 1_000 ? `${budget} ms` : `${Math.round(budget / 1_000)} s`;
  // A token endpoint that does not answer is the token endpoint's fault, not the mail server's.
  const timeoutError = () =>
    new StepFailure(`No answer within ${budgetText}`, {
      code: TIMEOUT,
      command: current.command,
      ...(current.command === "TOKEN" ? { originalCode: "OAUTH_UNREACHABLE" } : {}),
    });
  let onTimeout: (() => void) | undefined;
  const watchdog = setTimeout(() => {
    timedOut = true;
    conversation?.fail(timeoutError());
    conversation?.destroy();
    connecting?.destroy();
    onTimeout?.();
  }, budget);

  /** Races a promise against the deadline (for work the watchdog cannot cancel, like DNS). */
  const bounded = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      onTimeout = () => reject(timeoutError());
      promise.then(resolve, (error: Error) => reject(timedOut ? timeoutError() : error));
    });

  async function step(name: ProbeStepName, command: string, sent: string | undefined, action: () => Promise<Partial<ProbeStep> | void>) {
    current = { command };
    const stepStarted = performance.now();
    try {
      const outcome = (await bounded(action())) ?? {};
      steps.push({ step: name, ok: true, ...(sent ? { sent } : {}), ...outcome, ms: Math.round(performance.now() - stepStarted) });
    } catch (caught) {
      const failure = timedOut ? timeoutError() : categorize(caught as NodeJS.ErrnoException, command);
      const outcome: SmtpOutcome = { ...failure, message: failure.message };
      const classification = classifyReply(outcome);
      const explanation = explainReply(outcome);
      steps.push({
        step: name,
        ok: false,
        ...(sent ? { sent } : {}),
        ...(failure.response
          ? { reply: scrub(failure.response), code: codeOf(failure.response), ...(failure.detail ? { detail: scrub(failure.detail) } : {}) }
          : { detail: scrub(failure.message) }),
        ms: Math.round(performance.now() - stepStarted),
        ...(classification !== "success" ? { classification } : {}),
        ...(explanation ? { explanation } : {}),
      });
      throw failure;
    }
  }

  /** Sends a command and checks a reply in the given class (2 for 2xx, 3 for 3xx). */
  async function exchange(line: string, command: string, accepted: (code: number) => boolean): Promise<Partial<ProbeStep>> {
    const reply = await conversation!.command(line);
    if (!accepted(codeOf(reply))) throw new StepFailure(`${command} refused`, { code: "EPROTOCOL", command, response: reply, responseCode: codeOf(reply) });
    return { reply: scrub(reply), code: codeOf(reply) };
  }
  const is2xx = (code: number) => code >= 200 && code < 300;

  try {
    let accessToken = "";
    const oauth = target.oauth;
    if (oauth) {
      await step("token", "TOKEN", undefined, async () => {
        let token: { accessToken: string; expiresAt: number };
        try {
          token = await oauth.token();
        } catch (error) {
          // oauth.ts names the cause in originalCode; replies.ts explains it.
          const cause = error as { message?: string; originalCode?: string };
          throw new StepFailure(cause.message ?? String(error), { code: "EOAUTH2", originalCode: cause.originalCode ?? "OAUTH_REFUSED", command: "TOKEN" });
        }
        accessToken = token.accessToken;
        rememberSecret(accessToken);
        rememberSecret(xoauth2(username, accessToken));
        const minutes = Math.max(0, Math.round((token.expiresAt - Date.now()) / 60_000));
        return { detail: `${oauth.endpoint}: access token received, valid for ${minutes} min` };
      });
    }

    let checked!: CheckedHost;
    await step("resolve", "RESOLVE", undefined, async () => {
      try {
        checked = await resolveSmtpHost(target.host, target.port, {
          allowPrivate: options.allowPrivate,
          resolver: options.resolver,
          timeoutMs: remaining(),
        });
        return { detail: checked.servername === checked.address ? checked.address : `${checked.servername} → ${checked.address}` };
      } catch (error) {
        if (error instanceof HostRefusedError) {
          throw new StepFailure(error.message, { code: error.code, originalCode: error.reason, command: "RESOLVE" });
        }
        throw error;
      }
    });

    await step("connect", "CONN", undefined, async () => {
      const socket = await connectTcp(checked.address, target.port, checked.family, (pending) => (connecting = pending));
      conversation = new SmtpConversation(socket);
      return { detail: checked.family === 6 ? `[${checked.address}]:${target.port}` : `${checked.address}:${target.port}` };
    });

    if (target.tlsMode === "IMPLICIT") {
      await step("tls", "TLS", undefined, async () => {
        const secure = await conversation!.upgrade({ servername: checked.servername, verifyCertificate: target.verifyCertificate });
        return { detail: tlsDetail(secure, target.verifyCertificate) };
      });
    }

    await step("greeting", "GREETING", undefined, async () => {
      const reply = await conversation!.read();
      if (codeOf(reply) !== 220)
        throw new StepFailure("Greeting refused", { code: "EPROTOCOL", command: "GREETING", response: reply, responseCode: codeOf(reply) });
      return { reply: scrub(reply), code: codeOf(reply) };
    });

    const helo = target.heloName || defaultHeloName();
    let ehloReply = "";
    await step("ehlo", "EHLO", `EHLO ${helo}`, async () => {
      const outcome = await exchange(`EHLO ${helo}`, "EHLO", is2xx);
      ehloReply = outcome.reply ?? "";
      return outcome;
    });

    if (target.tlsMode === "STARTTLS") {
      await step("starttls", "STARTTLS", "STARTTLS", async () => {
        if (!capabilities(ehloReply).starttls) {
          throw new StepFailure("STARTTLS not offered by the server", { code: "ETLS", command: "STARTTLS" });
        }
        const outcome = await exchange("STARTTLS", "STARTTLS", (code) => code === 220);
        const secure = await conversation!.upgrade({ servername: checked.servername, verifyCertificate: target.verifyCertificate });
        return { ...outcome, detail: tlsDetail(secure, target.verifyCertificate) };
      });
      await step("ehloAfterTls", "EHLO", `EHLO ${helo}`, async () => {
        const outcome = await exchange(`EHLO ${helo}`, "EHLO", is2xx);
        ehloReply = outcome.reply ?? "";
        return outcome;
      });
    }

    const offered = capabilities(ehloReply);
    if (oauth) {
      const command = "AUTH XOAUTH2";
      await step("auth", command, `${command} (${username} / ${MASK})`, async () => {
        if (!offered.auth) throw new StepFailure("AUTH not offered by the server", { code: "EAUTH", command });
        if (!offered.auth.has("XOAUTH2")) {
          throw new StepFailure(`XOAUTH2 not offered by the server (offered: ${[...offered.auth].join(" ") || "none"})`, { code: "EAUTH", command });
        }
        let reply = await conversation!.command(`${command} ${xoauth2(username, accessToken)}`);
        let challenge: string | undefined;
        if (codeOf(reply) === 334) {
          // RFC 7628: a refusal comes as a challenge with details; an empty line ends the exchange.
          challenge = Buffer.from(parseReply(reply)?.text ?? "", "base64").toString("utf8");
          reply = await conversation!.command("");
        }
        if (codeOf(reply) !== 235) {
          throw new StepFailure("Authentication refused", { code: "EAUTH", command, response: reply, responseCode: codeOf(reply), detail: challenge });
        }
        return { reply: scrub(reply), code: codeOf(reply) };
      });
    } else if (username) {
      const mechanism = offered.auth?.has("PLAIN") ? "PLAIN" : offered.auth?.has("LOGIN") ? "LOGIN" : undefined;
      const command = `AUTH ${mechanism ?? ""}`.trim();
      await step("auth", command, `${command} (${username} / ${MASK})`, async () => {
        if (!offered.auth) throw new StepFailure("AUTH not offered by the server", { code: "EAUTH", command: "AUTH" });
        if (!mechanism) {
          throw new StepFailure(`No supported auth mechanism (offered: ${[...offered.auth].join(" ") || "none"})`, { code: "EAUTH", command: "AUTH" });
        }
        const refused = (reply: string) => new StepFailure("Authentication refused", { code: "EAUTH", command, response: reply, responseCode: codeOf(reply) });
        let reply: string;
        if (mechanism === "PLAIN") {
          reply = await conversation!.command(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`, "utf8").toString("base64")}`);
          if (codeOf(reply) === 334) reply = await conversation!.command(Buffer.from(`\0${username}\0${password}`, "utf8").toString("base64"));
        } else {
          reply = await conversation!.command("AUTH LOGIN");
          if (codeOf(reply) !== 334) throw refused(reply);
          reply = await conversation!.command(Buffer.from(username, "utf8").toString("base64"));
          if (codeOf(reply) !== 334) throw refused(reply);
          reply = await conversation!.command(Buffer.from(password, "utf8").toString("base64"));
        }
        if (codeOf(reply) !== 235) throw refused(reply);
        return { reply: scrub(reply), code: codeOf(reply) };
      });
    }

    // SMTPUTF8 is needed only for a non-ASCII address, and only allowed when offered.
    const utf8 = offered.smtputf8 && /[^\x00-\x7f]/.test(target.mailFrom + target.rcptTo) ? " SMTPUTF8" : "";
    await step("mailFrom", "MAIL FROM", `MAIL FROM:<${target.mailFrom}>${utf8}`, () => exchange(`MAIL FROM:<${target.mailFrom}>${utf8}`, "MAIL FROM", is2xx));
    await step("rcptTo", "RCPT TO", `RCPT TO:<${target.rcptTo}>`, () => exchange(`RCPT TO:<${target.rcptTo}>`, "RCPT TO", is2xx));
    await step("rset", "RSET", "RSET", () => exchange("RSET", "RSET", is2xx));
    await step("quit", "QUIT", "QUIT", async () => {
      // A server that hangs up instead of answering 221 has still ended the session cleanly.
      const reply = await conversation!.command("QUIT").catch(() => undefined);
      return reply ? { reply: scrub(reply), code: codeOf(reply) } : { detail: "Connection closed by the server" };
    });
  } catch {
    // The failed step is recorded; say goodbye politely without waiting for the answer.
    conversation?.write("QUIT");
  } finally {
    clearTimeout(watchdog);
    conversation?.destroy();
  }

  const failed = steps.find((candidate) => !candidate.ok);
  return {
    ok: !failed,
    steps,
    totalMs: Math.round(performance.now() - started),
    ...(failed ? { failedStep: failed.step } : {}),
  };
}

/** The XOAUTH2 initial response (Google's and Microsoft's SASL XOAUTH2 format), base64. */
function xoauth2(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, "utf8").toString("base64");
}

function tlsDetail(socket: TLSSocket, verified: boolean): string {
  const protocol = socket.getProtocol() ?? "TLS";
  return verified ? `${protocol}, certificate verified` : `${protocol}, certificate not verified`;
}
