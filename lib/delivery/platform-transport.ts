import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import { createTransport, type Transport } from "nodemailer";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { allowPrivateSmtpHosts, config, type AppConfig } from "@/lib/config.ts";
import { isPrivateAddress } from "@/lib/mailservers/host-guard.ts";
import { MailDomainError, resolveHostAddresses, resolveMailHosts, type MailDomainErrorReason } from "@/lib/smtp/mx.ts";
import { assertSafeMessage, type SafeMessageInput } from "@/lib/smtp/message-safety.ts";
import { asSmtpOutcome, clip, deliveryErrorOutcome, isHostLevelFailure, isTlsHandshakeFailure, replyCodeOf, type DeliveryStatus } from "@/lib/smtp/outcome.ts";
import { parseReply, type ReplyClass, type ReplyExplanation } from "@/lib/smtp/replies.ts";
import type { DkimSigningKey, MtaStsResolution } from "@/lib/platform/mutations.ts";
import { mxMatchesPolicy, trustedCa, type MtaStsMode } from "@/lib/platform/mta-sts.ts";

/**
 * The platform's own delivery: the ownership verification mail, and later the default route.
 * Through the smarthost PLATFORM_SMTP_URL when one is configured, else directly to the recipient
 * domain's MX hosts, as an MTA would: in preference order, the next host on connection-level
 * failures, and the first definitive SMTP reply decides (2xx sent, 4xx retry later, 5xx final).
 *
 * Delivery failures are results, never exceptions: the caller (a job) records each attempt and
 * decides on retries. Only a malformed message (a programming error) throws.
 */

/** A message the platform sends. Direct delivery sends one SMTP transaction per recipient domain. */
export type PlatformMessage = SafeMessageInput;

export interface PlatformDeliveryOptions {
  /** Smarthost URL (smtp://user:pass@host:587). Unset: direct delivery to the MX hosts. */
  platformSmtpUrl?: string;
  /** Port for direct MX delivery; default config MX_PORT (25). */
  mxPort?: number;
  /** `ip[:port]` resolvers for MX and address lookups; default config DNS_SERVERS. */
  dnsServers?: string[];
  /** Per connection: TCP connect and SMTP greeting each; default 30 s. */
  connectionTimeoutMs?: number;
  /** Name sent with EHLO; default nodemailer's (the machine's host name). */
  heloName?: string;
  /**
   * Whether MX hosts on loopback/private/reserved addresses may be used; default
   * ALLOW_PRIVATE_SMTP_HOSTS. Recipient domains are chosen by users, so without this guard an MX
   * record could make the platform open connections inside its own network (ASVS 1.3.6).
   */
  allowPrivate?: boolean;
  /** DKIM key the message is signed with (nodemailer's `dkim` option); unset: not signed. */
  dkim?: DkimSigningKey;
  /** The recipient domain's MTA-STS policy (RFC 8461) for direct delivery; unset: no policy is looked up. */
  mtaSts?: (domain: string) => Promise<MtaStsResolution>;
  /** Tests only (TEST_TRUSTED_CA_FILE): a CA (PEM) trusted besides the system's for MX certificates. */
  extraCa?: string;
}

/** The TLS of one connection, for the delivery log. */
export interface TlsResult {
  /** e.g. "TLSv1.3"; absent when the session stayed in plaintext. */
  version?: string;
  /** Whether the certificate chains to a trusted CA and names the MX host. */
  verified: boolean;
  /** Why it is not verified (Node's code or message), or why the handshake failed. */
  verifyError?: string;
  /** The recipient domain's MTA-STS mode at this attempt. */
  policy: MtaStsMode;
  /** `testing` mode: what would have stopped this delivery under `enforce`. */
  wouldFail?: string;
}

/** One connection attempt, for the delivery log. */
export interface DeliveryTry {
  /** Host name (MX exchange or smarthost), never credentials. */
  host: string;
  /** The address connected to, when the platform resolved it itself. */
  address?: string;
  port: number;
  ok: boolean;
  /** Whether this try declined STARTTLS after the encrypted attempt failed. */
  plaintextRetry?: boolean;
  /** Direct delivery: the connection's TLS and the MTA-STS policy it was held to. */
  tls?: TlsResult;
  responseCode?: number;
  response?: string;
  error?: string;
  ms: number;
}

export interface PlatformDeliveryOutcome {
  status: DeliveryStatus;
  messageId: string;
  response?: string;
  responseCode?: number;
  classification: ReplyClass;
  explanation?: ReplyExplanation;
  route: "smarthost" | "mx";
  /** The DNS trace for direct delivery, e.g. "MX klant.example → mx.klant.example (10); A/AAAA …". */
  dns?: string;
  /** Why the recipient domain's mail hosts could not be found, when that is what failed. */
  dnsError?: { reason: MailDomainErrorReason; message: string };
  tried: DeliveryTry[];
  /** The recipients this outcome covers. */
  recipients: string[];
  /** Recipients the server refused while it accepted others (the message was still sent). */
  rejected?: string[];
  /** Per recipient domain, when direct delivery covered several. */
  domains?: Array<PlatformDeliveryOutcome & { domain: string }>;
}

/** The platform delivery settings from the environment, for callers that send on its behalf. */
export function platformDeliveryOptions(cfg: AppConfig = config()): PlatformDeliveryOptions {
  return {
    ...(cfg.PLATFORM_SMTP_URL ? { platformSmtpUrl: cfg.PLATFORM_SMTP_URL } : {}),
    mxPort: cfg.MX_PORT,
    dnsServers: cfg.DNS_SERVERS,
    allowPrivate: allowPrivateSmtpHosts(cfg),
  };
}

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

function newMessageId(fromAddress: string): string {
  return `<${randomUUID()}@${domainOf(fromAddress)}>`;
}

// ---------------------------------------------------------------------------------------------
// Sending

const DEFAULT_CONNECTION_TIMEOUT_MS = 30_000;
const SOCKET_TIMEOUT_MS = 120_000;
/** Addresses tried per MX host: enough for a dual-stack host, bounded against huge answers. */
const MAX_ADDRESSES_PER_HOST = 3;

interface SendResult {
  ok: boolean;
  response?: string;
  responseCode?: number;
  rejected: string[];
  messageId?: string;
  error?: unknown;
  ms: number;
  /** Direct delivery: the session's TLS, when it got that far. */
  tls?: { version?: string; verified: boolean; verifyError?: string };
}

type TransportSettings = Parameters<typeof createTransport>[0];

type SmtpConnectionOptions = ConstructorParameters<typeof SMTPConnection>[0];
type ComposedMail = Parameters<Transport["send"]>[0];

/**
 * Direct delivery's own nodemailer transport: one SMTPConnection per message, as nodemailer's SMTP
 * transport does, but it reads the session's TLS (version, certificate verified) once the session
 * is set up, which nodemailer does not report. nodemailer still composes and DKIM-signs the message.
 */
function directTransport(options: SmtpConnectionOptions, onTls: (tls: NonNullable<SendResult["tls"]>) => void): Transport {
  return {
    name: "postkamer-mx",
    version: "1",
    send(mail: ComposedMail, callback: Parameters<Transport["send"]>[1]) {
      const smtp = new SMTPConnection(options);
      let returned = false;
      const finish = (error: Error | null, info?: object) => {
        if (returned) return;
        returned = true;
        if (error) smtp.close();
        else smtp.quit();
        callback(error, info as Parameters<typeof callback>[1]);
      };
      smtp.once("error", (error: Error) => finish(error));
      smtp.once("end", () => finish(Object.assign(new Error("Connection closed"), { code: "ECONNECTION" })));
      smtp.connect((error?: Error) => {
        if (error) return finish(error);
        const socket = smtp._socket as TLSSocket | null | false;
        if (smtp.secure && socket && typeof socket.getProtocol === "function") {
          onTls({
            version: socket.getProtocol() ?? undefined,
            verified: socket.authorized,
            ...(socket.authorized ? {} : { verifyError: String(socket.authorizationError ?? "not verified") }),
          });
        }
        const envelope = mail.message.getEnvelope();
        smtp.send(envelope, mail.message.createReadStream(), (sendError, info) => {
          if (sendError) return finish(sendError);
          finish(null, { ...info, envelope, messageId: mail.message.messageId() });
        });
      });
    },
  };
}

type MailData = Parameters<ReturnType<typeof createTransport>["sendMail"]>[0];

function sendResult(info: { response?: string; rejected?: unknown[]; messageId?: string }, ms: number): SendResult {
  const response = typeof info.response === "string" ? info.response : undefined;
  return {
    ok: true,
    response,
    responseCode: response ? parseReply(response)?.code : undefined,
    rejected: (info.rejected ?? []).map((entry) => (typeof entry === "string" ? entry : String((entry as { address?: string }).address ?? entry))),
    messageId: info.messageId,
    ms,
  };
}

async function sendOnce(settings: TransportSettings, mail: MailData): Promise<SendResult> {
  const started = performance.now();
  const transport = createTransport(settings);
  try {
    const info = (await transport.sendMail(mail)) as { response?: string; rejected?: unknown[]; messageId?: string };
    return sendResult(info, Math.round(performance.now() - started));
  } catch (error) {
    return { ok: false, error, rejected: [], ms: Math.round(performance.now() - started) };
  } finally {
    transport.close();
  }
}

async function sendDirect(settings: SmtpConnectionOptions, mail: MailData): Promise<SendResult> {
  const started = performance.now();
  let tls: SendResult["tls"];
  const transport = createTransport(directTransport(settings, (found) => (tls = found)));
  try {
    const info = (await transport.sendMail(mail)) as { response?: string; rejected?: unknown[]; messageId?: string };
    return { ...sendResult(info, Math.round(performance.now() - started)), ...(tls ? { tls } : {}) };
  } catch (error) {
    return { ok: false, error, rejected: [], ms: Math.round(performance.now() - started), ...(tls ? { tls } : {}) };
  } finally {
    transport.close();
  }
}

function mailFor(message: PlatformMessage, messageId: string, envelopeTo: string[], dkim?: DkimSigningKey) {
  return {
    // Signed by nodemailer as it streams the message out; only the platform's own From domain has a key.
    ...(dkim ? { dkim: { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: dkim.privateKey } } : {}),
    // Objects, not strings: nodemailer then encodes the name itself and nothing in it can be
    // read as another address or header (ASVS 1.3.11).
    from: { name: message.from.name, address: message.from.address },
    to: message.to.map((address) => ({ name: "", address })),
    envelope: { from: message.from.address, to: envelopeTo },
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    messageId,
    ...(message.headers ? { headers: { ...message.headers } } : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return clip(text);
}

function tryFromResult(host: string, port: number, result: SendResult, extra: Partial<DeliveryTry> = {}): DeliveryTry {
  const outcome = result.ok ? undefined : asSmtpOutcome(result.error);
  const responseCode = result.ok ? result.responseCode : outcome && replyCodeOf(outcome);
  const response = result.ok ? result.response : outcome?.response || undefined;
  return {
    host,
    ...extra,
    port,
    ok: result.ok,
    ...(responseCode !== undefined ? { responseCode } : {}),
    ...(response ? { response: clip(response.trim()) } : {}),
    ...(result.ok ? {} : { error: errorText(result.error) }),
    ms: result.ms,
  };
}

function sentOutcome(result: SendResult, base: Pick<PlatformDeliveryOutcome, "messageId" | "route" | "tried" | "recipients" | "dns">): PlatformDeliveryOutcome {
  return {
    status: "sent",
    ...base,
    messageId: result.messageId ?? base.messageId,
    ...(result.response ? { response: clip(result.response.trim()) } : {}),
    ...(result.responseCode !== undefined ? { responseCode: result.responseCode } : {}),
    classification: "success",
    ...(result.rejected.length > 0 ? { rejected: result.rejected } : {}),
  };
}

async function sendViaSmarthost(message: PlatformMessage, messageId: string, url: string, options: PlatformDeliveryOptions): Promise<PlatformDeliveryOutcome> {
  // Host and port for the log only: the URL itself carries the smarthost's credentials.
  let host = "smarthost";
  let port = 587;
  try {
    const parsed = new URL(url);
    host = parsed.hostname || host;
    port = Number(parsed.port) || (parsed.protocol === "smtps:" ? 465 : 587);
  } catch {
    // nodemailer reports the unusable URL as the send error below
  }
  const timeout = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const result = await sendOnce(
    {
      url,
      ...(options.heloName ? { name: options.heloName } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: SOCKET_TIMEOUT_MS,
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    mailFor(message, messageId, message.to, options.dkim),
  );
  const base = { messageId, route: "smarthost" as const, tried: [tryFromResult(host, port, result)], recipients: message.to };
  if (result.ok) return sentOutcome(result, base);
  return { ...base, ...deliveryErrorOutcome(result.error, "relay") };
}

/** A failure of our own making (MTA-STS refused the host or its TLS), shaped like nodemailer's errors. */
const mtaStsFailure = (code: "EMTASTS_MX" | "EMTASTS_TLS", message: string) => Object.assign(new Error(message), { code });

/**
 * Under enforce: the session never got a verified TLS layer. A certificate Node refused (the
 * OpenSSL code in `originalCode`), a failed handshake, or a server that refused STARTTLS.
 */
function isTlsRequirementFailure(error: unknown): boolean {
  const outcome = asSmtpOutcome(error);
  return (
    isTlsHandshakeFailure(error) ||
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_(SSL|TLS)_/.test(outcome.originalCode ?? "") ||
    outcome.command?.toUpperCase() === "STARTTLS"
  );
}

/** What `testing` mode records: the first thing `enforce` would have refused, if any. */
function wouldFailUnderEnforce(matches: boolean, patterns: string[], tls: SendResult["tls"]): string | undefined {
  if (!matches) return `MX not in the policy (mx: ${patterns.join(", ")})`;
  if (!tls) return "no TLS (STARTTLS not offered or failed)";
  if (!tls.verified) return `certificate not valid for the host (${tls.verifyError ?? "not verified"})`;
  return undefined;
}

async function deliverToDomain(
  domain: string,
  recipients: string[],
  message: PlatformMessage,
  messageId: string,
  options: PlatformDeliveryOptions,
): Promise<PlatformDeliveryOutcome> {
  const port = options.mxPort ?? config().MX_PORT;
  const dnsServers = options.dnsServers ?? config().DNS_SERVERS;
  const allowPrivate = options.allowPrivate ?? allowPrivateSmtpHosts();
  const timeout = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const ca = trustedCa(options.extraCa);
  const tried: DeliveryTry[] = [];
  const lookups: string[] = [];
  const base = () => ({ messageId, route: "mx" as const, tried, recipients, dns: lookups.join("; ") });

  let hosts;
  try {
    const found = await resolveMailHosts(domain, { dnsServers });
    hosts = found.hosts;
    lookups.push(...found.lookups);
  } catch (error) {
    if (!(error instanceof MailDomainError)) throw error;
    lookups.push(...error.lookups);
    // A resolver that fails or does not answer may recover; a domain that does not exist or
    // accepts no mail will not within the lifetime of a message.
    const transient = error.reason === "DNS_FAILURE" || error.reason === "TIMEOUT";
    return {
      ...base(),
      status: transient ? "transient" : "permanent",
      classification: transient ? "transient" : "permanent",
      dnsError: { reason: error.reason, message: error.message },
    };
  }

  // RFC 8461: with an `enforce` policy only the MX hosts it names, only over TLS with a
  // certificate valid for that name, never plaintext; `testing` delivers as before and records
  // what enforce would have refused; no policy (or `none`): opportunistic TLS as below.
  const sts = options.mtaSts ? await options.mtaSts(domain) : undefined;
  if (sts) lookups.push(sts.trace);
  const policy = sts?.policy && sts.policy.mode !== "none" ? sts.policy : undefined;
  const mode: MtaStsMode = policy?.mode ?? "none";
  const enforce = mode === "enforce";

  const mail = mailFor(message, messageId, recipients, options.dkim);
  let lastFailure: unknown;
  let onlyRefusedAddresses = true;
  for (const { exchange } of hosts) {
    const matchesPolicy = !policy || mxMatchesPolicy(exchange, policy.mx);
    if (enforce && !matchesPolicy) {
      tried.push({ host: exchange, port, ok: false, error: `MTA-STS: not an MX host of the policy (mx: ${policy!.mx.join(", ")})`, ms: 0 });
      lastFailure ??= mtaStsFailure("EMTASTS_MX", `MTA-STS policy of ${domain} names none of its MX hosts`);
      onlyRefusedAddresses = false;
      continue;
    }
    let addresses;
    const started = performance.now();
    try {
      const resolved = await resolveHostAddresses(exchange, { dnsServers });
      addresses = resolved.addresses.slice(0, MAX_ADDRESSES_PER_HOST);
      lookups.push(resolved.lookup);
    } catch (error) {
      if (!(error instanceof MailDomainError)) throw error;
      lookups.push(...error.lookups);
      tried.push({ host: exchange, port, ok: false, error: error.message, ms: Math.round(performance.now() - started) });
      lastFailure = Object.assign(new Error(error.message), { code: "EDNS" });
      onlyRefusedAddresses = false;
      continue;
    }
    for (const { address } of addresses) {
      if (!allowPrivate && isPrivateAddress(address)) {
        tried.push({ host: exchange, address, port, ok: false, error: "refused: private or reserved network address", ms: 0 });
        lastFailure ??= Object.assign(new Error("private or reserved network address"), { code: "EHOSTREFUSED", originalCode: "PRIVATE_ADDRESS" });
        continue;
      }
      onlyRefusedAddresses = false;
      const common = {
        // Connect to the address looked up through DNS_SERVERS; the name for SNI and the certificate check.
        host: address,
        port,
        secure: false,
        ...(options.heloName ? { name: options.heloName } : {}),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: SOCKET_TIMEOUT_MS,
      };
      const settings: SmtpConnectionOptions = enforce
        ? { ...common, requireTLS: true, tls: { rejectUnauthorized: true, servername: exchange, minVersion: "TLSv1.2", ...(ca ? { ca } : {}) } }
        : {
            ...common,
            // STARTTLS whenever offered, plaintext when not (or when the server rejects the
            // command): RFC 3207 opportunistic TLS, as MTAs deliver between domains. Without an
            // enforce policy an unverified certificate does not stop delivery (MX certificates are
            // often self-signed or name another host); whether it verified is still recorded.
            opportunisticTLS: true,
            tls: { rejectUnauthorized: false, servername: exchange, ...(ca ? { ca } : {}) },
          };
      const tlsOf = (result: SendResult, plaintext = false): TlsResult => {
        const found = plaintext ? undefined : result.tls;
        const tls: TlsResult = found ? { ...found, policy: mode } : { verified: false, policy: mode };
        if (!found && !result.ok && enforce && isTlsRequirementFailure(result.error)) tls.verifyError = errorText(result.error);
        if (mode === "testing") {
          const wouldFail = wouldFailUnderEnforce(matchesPolicy, policy!.mx, found);
          if (wouldFail) tls.wouldFail = wouldFail;
        }
        return tls;
      };
      let result = await sendDirect(settings, mail);
      tried.push(tryFromResult(exchange, port, result, { address, tls: tlsOf(result) }));
      if (enforce && !result.ok && !result.tls && isTlsRequirementFailure(result.error)) {
        // No plaintext retry: the policy forbids it. Another host of the policy may do better.
        lastFailure = mtaStsFailure("EMTASTS_TLS", `MTA-STS: no valid TLS with ${exchange}: ${errorText(result.error)}`);
        continue;
      }
      // A failed TLS handshake after STARTTLS: retry this host once without TLS, as Postfix does
      // for opportunistic TLS, rather than never delivering to a server with a broken TLS stack.
      if (!enforce && !result.ok && isTlsHandshakeFailure(result.error)) {
        result = await sendDirect({ ...settings, ignoreTLS: true, opportunisticTLS: false }, mail);
        tried.push(tryFromResult(exchange, port, result, { address, plaintextRetry: true, tls: tlsOf(result, true) }));
      }
      if (result.ok) return sentOutcome(result, base());
      if (isHostLevelFailure(result.error)) {
        lastFailure = result.error;
        continue;
      }
      // A definitive reply from a mail host of the domain: other hosts of the same domain
      // would answer the same, and a 4xx is retried later as a whole.
      return { ...base(), ...deliveryErrorOutcome(result.error, "mx") };
    }
  }

  // No host gave a definitive reply. Unreachable hosts may come back, so that is transient;
  // only a domain whose every host is refused by the address guard is a final failure.
  const failed = deliveryErrorOutcome(lastFailure, "mx");
  if (onlyRefusedAddresses) return { ...base(), ...failed, status: "permanent" };
  return { ...base(), ...failed, status: "transient", ...(failed.classification === "permanent" ? { classification: "transient" as const } : {}) };
}

function combine(outcomes: Array<PlatformDeliveryOutcome & { domain: string }>, messageId: string): PlatformDeliveryOutcome {
  const status: DeliveryStatus = outcomes.every((o) => o.status === "sent")
    ? "sent"
    : outcomes.some((o) => o.status === "transient")
      ? "transient"
      : "permanent";
  // The reply shown for the whole message is the one that decided its status.
  const deciding = outcomes.find((o) => o.status === status) ?? outcomes[0]!;
  const rejected = outcomes.flatMap((o) => o.rejected ?? []);
  return {
    status,
    messageId,
    ...(deciding.response ? { response: deciding.response } : {}),
    ...(deciding.responseCode !== undefined ? { responseCode: deciding.responseCode } : {}),
    classification: deciding.classification,
    ...(deciding.explanation ? { explanation: deciding.explanation } : {}),
    ...(deciding.dnsError ? { dnsError: deciding.dnsError } : {}),
    route: "mx",
    dns: outcomes
      .map((o) => o.dns)
      .filter(Boolean)
      .join("; "),
    tried: outcomes.flatMap((o) => o.tried),
    recipients: outcomes.flatMap((o) => o.recipients),
    ...(rejected.length > 0 ? { rejected } : {}),
    domains: outcomes,
  };
}

/**
 * Sends a message through the platform's own delivery and reports what happened. Never throws
 * for delivery failures; throws TypeError for a message with control characters in its name,
 * subject or headers (callers validate input first).
 *
 * Pass `platformDeliveryOptions()` for the configured route: without `platformSmtpUrl` the
 * message goes directly to the MX hosts.
 */
export async function sendViaPlatform(message: PlatformMessage, options: PlatformDeliveryOptions = {}): Promise<PlatformDeliveryOutcome> {
  assertSafeMessage(message);
  const messageId = message.messageId ?? newMessageId(message.from.address);
  if (options.platformSmtpUrl) return sendViaSmarthost(message, messageId, options.platformSmtpUrl, options);

  const byDomain = new Map<string, string[]>();
  for (const address of new Set(message.to)) {
    const domain = domainOf(address);
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), address]);
  }
  const outcomes: Array<PlatformDeliveryOutcome & { domain: string }> = [];
  for (const [domain, recipients] of byDomain) {
    outcomes.push({ ...(await deliverToDomain(domain, recipients, message, messageId, options)), domain });
  }
  if (outcomes.length === 1) {
    const { domain: _domain, ...only } = outcomes[0]!;
    return only;
  }
  return combine(outcomes, messageId);
}
