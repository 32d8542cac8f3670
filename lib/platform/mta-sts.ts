import { request } from "node:https";
import { rootCertificates } from "node:tls";
import type { LookupFunction } from "node:net";
import { isPrivateAddress } from "@/lib/mailservers/host-guard.ts";
import { createResolver, errorCode, MailDomainError, resolveHostAddresses } from "@/lib/smtp/mx.ts";

/**
 * MTA-STS (RFC 8461): a recipient domain publishes at `_mta-sts.<domain>` a TXT record
 * `v=STSv1; id=…` and at `https://mta-sts.<domain>/.well-known/mta-sts.txt` a policy that names
 * its MX hosts and says whether senders must (`enforce`) deliver to them only over TLS with a valid
 * certificate. Without it an attacker on the path can strip STARTTLS and read the ownership code.
 *
 * This module discovers, fetches and parses; the cache (max_age, the id rule) is in mutations.ts
 * and the delivery rules in lib/delivery/platform-transport.ts.
 */

export type MtaStsMode = "enforce" | "testing" | "none";

export interface MtaStsPolicy {
  mode: MtaStsMode;
  /** MX patterns, lower case: "mx.example.com" or "*.example.com" (one label). */
  mx: string[];
  /** Seconds the policy may be cached. */
  maxAge: number;
}

/** RFC 8461 §3.2: max_age up to 31557600 (one year). */
export const MAX_POLICY_AGE = 31_557_600;
/** RFC 8461 §3.3: the policy body is small; refuse anything bigger than this. */
const MAX_POLICY_BYTES = 64 * 1024;
const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

export class MtaStsError extends Error {
  /** TEMPORARY: DNS or the policy host failed and may recover; INVALID: what was found is not a valid record or policy. */
  readonly kind: "TEMPORARY" | "INVALID";
  constructor(kind: "TEMPORARY" | "INVALID", message: string) {
    super(message);
    this.name = "MtaStsError";
    this.kind = kind;
  }
}

/**
 * Parses a policy strictly: `key: value` lines (CRLF or LF), version STSv1, a known mode, max_age
 * a whole number within one year, and at least one mx line unless the mode is none. Unknown keys
 * are ignored (§3.2, for extensions); anything else is an error, and an invalid policy is no policy.
 */
export function parseMtaStsPolicy(text: string): MtaStsPolicy {
  const fields = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line === "") continue;
    const match = /^([A-Za-z0-9_]+):[ \t]*(.*)$/.exec(line);
    if (!match) throw new MtaStsError("INVALID", `policy line is not "key: value": ${JSON.stringify(line.slice(0, 80))}`);
    const key = match[1]!.toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), match[2]!.trim()]);
  }
  const single = (key: string) => {
    const values = fields.get(key) ?? [];
    if (values.length !== 1) throw new MtaStsError("INVALID", values.length === 0 ? `policy has no ${key}` : `policy has ${key} more than once`);
    return values[0]!;
  };
  if (single("version") !== "STSv1") throw new MtaStsError("INVALID", `policy version is not STSv1`);
  const mode = single("mode");
  if (mode !== "enforce" && mode !== "testing" && mode !== "none")
    throw new MtaStsError("INVALID", `policy mode ${JSON.stringify(mode)} is not enforce, testing or none`);
  const maxAgeText = single("max_age");
  if (!/^\d{1,10}$/.test(maxAgeText) || Number(maxAgeText) > MAX_POLICY_AGE) {
    throw new MtaStsError("INVALID", `policy max_age ${JSON.stringify(maxAgeText)} is not a number of seconds up to ${MAX_POLICY_AGE}`);
  }
  const mx = (fields.get("mx") ?? []).map((pattern) => pattern.toLowerCase().replace(/\.$/, ""));
  for (const pattern of mx) {
    if (!/^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}$/.test(pattern)) {
      throw new MtaStsError("INVALID", `policy mx ${JSON.stringify(pattern)} is not a host name or *.domain pattern`);
    }
  }
  if (mode !== "none" && mx.length === 0) throw new MtaStsError("INVALID", "policy names no mx");
  return { mode, mx, maxAge: Number(maxAgeText) };
}

/** §4.1: a pattern matches the host itself, or with "*." exactly one leftmost label. */
export function mxMatchesPolicy(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return patterns.some((pattern) => {
    if (!pattern.startsWith("*.")) return name === pattern;
    const suffix = pattern.slice(1);
    return name.endsWith(suffix) && !name.slice(0, -suffix.length).includes(".") && name.length > suffix.length;
  });
}

/** The id of `_mta-sts.<domain>`: §3.1, exactly one record starting with v=STSv1, id 1–32 letters/digits. */
export function parseMtaStsTxt(records: string[]): string | undefined {
  const sts = records.filter((record) => /^v=STSv1\s*(;|$)/.test(record));
  if (sts.length !== 1) return undefined;
  const id = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(sts[0]!)?.[1];
  return id;
}

/** The reporting address of `_smtp._tls.<domain>` (RFC 8460), for the log. */
export function parseTlsRptTxt(records: string[]): string | undefined {
  const record = records.find((entry) => /^v=TLSRPTv1\s*;/.test(entry));
  return record ? /rua=([^;]+)/.exec(record)?.[1]?.trim() : undefined;
}

export interface MtaStsLookupOptions {
  dnsServers: readonly string[];
  timeoutMs?: number;
}

/** TXT records at a name, chunks joined; [] when there are none; MtaStsError TEMPORARY when DNS fails. */
export async function lookupTxt(name: string, { dnsServers, timeoutMs = 5_000 }: MtaStsLookupOptions): Promise<string[]> {
  const resolver = createResolver(dnsServers, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        resolver.cancel();
        reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" }));
      }, timeoutMs);
    });
    const rows = await Promise.race([resolver.resolveTxt(name), timeout]);
    return rows.map((chunks) => chunks.join(""));
  } catch (error) {
    if (["ENOTFOUND", "ENODATA"].includes(errorCode(error) ?? "")) return [];
    throw new MtaStsError("TEMPORARY", `TXT ${name}: DNS error ${errorCode(error) ?? "unknown"}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface PolicyFetchOptions extends MtaStsLookupOptions {
  /** Tests only (config MTA_STS_PORT): the policy host's port instead of 443. */
  port?: number;
  /** Trusted CA certificates (PEM) besides the system's, tests only (config TEST_TRUSTED_CA_FILE). */
  extraCa?: string;
  /** Whether the policy host may resolve to a private or loopback address (ALLOW_PRIVATE_SMTP_HOSTS). */
  allowPrivate: boolean;
}

/** Trusted roots for certificate checks: the system's, plus a test CA when one is configured. */
export function trustedCa(extraCa: string | undefined): string[] | undefined {
  return extraCa ? [...rootCertificates, extraCa] : undefined;
}

/**
 * Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` (§3.3): certificate validated for the
 * host name, no redirects, 200 with text/plain only. The host is looked up through DNS_SERVERS and
 * the private-address guard applies, because recipient domains are chosen by users.
 */
export async function fetchMtaStsPolicy(domain: string, options: PolicyFetchOptions): Promise<MtaStsPolicy> {
  const host = `mta-sts.${domain}`;
  let addresses;
  try {
    addresses = (await resolveHostAddresses(host, { dnsServers: options.dnsServers, timeoutMs: options.timeoutMs ?? 5_000 })).addresses;
  } catch (error) {
    if (error instanceof MailDomainError) throw new MtaStsError("TEMPORARY", `policy host ${host}: ${error.message}`);
    throw error;
  }
  const address = addresses.find((entry) => options.allowPrivate || !isPrivateAddress(entry.address));
  if (!address) throw new MtaStsError("TEMPORARY", `policy host ${host} resolves only to private or reserved addresses`);
  // Connect to the address checked above; the name still decides SNI and the certificate check.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) (callback as unknown as (error: null, list: Array<{ address: string; family: number }>) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
  const ca = trustedCa(options.extraCa);
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host,
        port: options.port ?? 443,
        path: "/.well-known/mta-sts.txt",
        method: "GET",
        servername: host,
        lookup,
        rejectUnauthorized: true,
        ...(ca ? { ca } : {}),
        headers: { "user-agent": "Postkamer MTA-STS" },
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(
            new MtaStsError(
              "TEMPORARY",
              `policy host ${host} answered HTTP ${res.statusCode}${res.statusCode && res.statusCode < 400 ? " (redirects are not followed)" : ""}`,
            ),
          );
          return;
        }
        const type = String(res.headers["content-type"] ?? "");
        if (!/^text\/plain\s*(;|$)/i.test(type)) {
          res.resume();
          reject(new MtaStsError("INVALID", `policy from ${host} is ${type || "of no type"}, not text/plain`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) {
            req.destroy();
            reject(new MtaStsError("INVALID", `policy from ${host} is larger than ${MAX_POLICY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", (error) => reject(new MtaStsError("TEMPORARY", `policy from ${host}: ${error.message}`)));
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", (error) => reject(new MtaStsError("TEMPORARY", `policy host ${host}: ${error.message}`)));
    req.end();
  });
  return parseMtaStsPolicy(body);
}
