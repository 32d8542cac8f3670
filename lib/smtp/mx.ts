import { promises as dns, type MxRecord } from "node:dns";
import { domainToASCII } from "node:url";
import { config } from "@/lib/config.ts";

/**
 * Where mail for a domain goes: its MX hosts in preference order, or the domain itself when it
 * has an address record but no MX ("implicit MX", RFC 5321 §5.1). Used to check a sender's
 * domain in the form and to deliver the ownership code directly to the domain's mail servers.
 *
 * Lookups go to DNS_SERVERS when configured (so tests and closed networks can point them at a
 * resolver of their own), else to the system's resolvers, and are bounded by one deadline.
 */

export type MailDomainErrorReason = "NO_MAIL_HOSTS" | "NULL_MX" | "NXDOMAIN" | "DNS_FAILURE" | "TIMEOUT";

export class MailDomainError extends Error {
  readonly reason: MailDomainErrorReason;
  readonly domain: string;
  /** The lookups made before the failure, for the delivery log. */
  readonly lookups: string[];
  /** The resolver's error code, for a DNS failure (e.g. ESERVFAIL). */
  readonly code?: string;
  constructor(reason: MailDomainErrorReason, domain: string, message: string, lookups: string[] = [], code?: string) {
    super(message);
    this.name = "MailDomainError";
    this.reason = reason;
    this.domain = domain;
    this.lookups = lookups;
    this.code = code;
  }
}

export interface MailHost {
  /** Host name to connect to (lower case, no trailing dot). */
  exchange: string;
  /** MX preference: lower is tried first. 0 for an implicit MX. */
  priority: number;
}

export interface MailHosts {
  hosts: MailHost[];
  /** "MX" when the domain has MX records; "A"/"AAAA" for the implicit MX. */
  source: "MX" | "A" | "AAAA";
  /** Human-readable trace, e.g. "MX klant.example → mx1.klant.example (10), mx2.klant.example (20)". */
  lookups: string[];
}

export interface MailHostLookupOptions {
  /** `ip[:port]` resolvers; default config DNS_SERVERS; empty means the system's resolvers. */
  dnsServers?: readonly string[];
  /** Deadline for all lookups together; default 8 s. */
  timeoutMs?: number;
}

export interface ResolvedHostAddress {
  address: string;
  family: 4 | 6;
}

export const DEFAULT_DNS_TIMEOUT_MS = 8_000;

/** Normalises a domain (IDNA, lower case, no trailing dot); undefined when it is not one. */
export function normalizeMailDomain(input: string): string | undefined {
  const ascii = domainToASCII(
    String(input ?? "")
      .trim()
      .replace(/\.$/, ""),
  );
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((label) => /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/.test(label))) return undefined;
  return ascii;
}

/**
 * A resolver for one lookup sequence. `Resolver.setServers` takes `ip`, `ip:port` and
 * `[ipv6]:port`; a bracketed IPv6 address without a port is unwrapped for older runtimes.
 * Also used by the DMARC preflight (preflight.ts), so both ask the same servers.
 */
export function createResolver(dnsServers: readonly string[], timeoutMs: number): dns.Resolver {
  // c-ares retries per server on its own; its per-try timeout stays below the overall deadline
  // so that a second try (or the next server) still fits in it.
  const resolver = new dns.Resolver({ timeout: Math.max(100, Math.min(2_000, Math.floor(timeoutMs / 2))), tries: 2 });
  if (dnsServers.length > 0) {
    resolver.setServers(dnsServers.map((server) => (/^\[[^\]]+\]$/.test(server) ? server.slice(1, -1) : server)));
  }
  return resolver;
}

interface Deadline {
  run<T>(lookup: () => Promise<T>): Promise<T>;
}

/** One deadline over several lookups: when it passes, pending queries are cancelled. */
function deadline(resolver: dns.Resolver, timeoutMs: number): Deadline {
  const endsAt = Date.now() + timeoutMs;
  return {
    async run(lookup) {
      const remaining = endsAt - Date.now();
      if (remaining <= 0) throw Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          resolver.cancel();
          reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" }));
        }, remaining);
      });
      try {
        return await Promise.race([lookup(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/** c-ares answers "name exists, no records of this type" with ENODATA. */
const isNoData = (error: unknown) => errorCode(error) === "ENODATA";

function failure(error: unknown, domain: string, what: string, lookups: string[]): MailDomainError {
  const code = errorCode(error);
  if (code === "ENOTFOUND") {
    lookups.push(`${what} ${domain} → NXDOMAIN`);
    return new MailDomainError("NXDOMAIN", domain, `The domain ${domain} does not exist (NXDOMAIN)`, lookups);
  }
  if (code === "ETIMEOUT" || code === "ECANCELLED") {
    lookups.push(`${what} ${domain} → no answer (timeout)`);
    return new MailDomainError("TIMEOUT", domain, `The DNS lookup for ${domain} timed out`, lookups);
  }
  lookups.push(`${what} ${domain} → DNS error ${code ?? "unknown"}`);
  return new MailDomainError("DNS_FAILURE", domain, `The DNS lookup for ${domain} failed (${code ?? "unknown error"})`, lookups, code);
}

const isNullExchange = (exchange: string) => exchange === "" || exchange === ".";

/**
 * The domain's mail hosts in preference order. Throws MailDomainError when the domain accepts no
 * mail (null MX, RFC 7505), does not exist, has neither MX nor address records, or DNS fails.
 */
export async function resolveMailHosts(domain: string, options: MailHostLookupOptions = {}): Promise<MailHosts> {
  const lookups: string[] = [];
  const name = normalizeMailDomain(domain);
  if (!name) {
    const shown = JSON.stringify(String(domain ?? "").slice(0, 100));
    throw new MailDomainError("NXDOMAIN", String(domain), `${shown} is not a valid domain name`, [`MX ${shown} → not a domain name`]);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  let resolver: dns.Resolver;
  try {
    resolver = createResolver(options.dnsServers ?? config().DNS_SERVERS, timeoutMs);
  } catch (error) {
    // A malformed DNS_SERVERS entry is an operator error; reported, not thrown, so delivery logs it.
    lookups.push(`DNS servers ${JSON.stringify(options.dnsServers ?? config().DNS_SERVERS)} → unusable`);
    throw new MailDomainError("DNS_FAILURE", name, `The configured DNS servers cannot be used (${errorCode(error) ?? "invalid"})`, lookups);
  }
  const within = deadline(resolver, timeoutMs);

  let records: MxRecord[] = [];
  try {
    records = await within.run(() => resolver.resolveMx(name));
  } catch (error) {
    if (!isNoData(error)) throw failure(error, name, "MX", lookups);
  }

  if (records.length > 0) {
    const hosts = records
      .map(({ exchange, priority }) => ({ exchange: exchange.toLowerCase().replace(/\.$/, ""), priority }))
      // RFC 7505 forbids mixing a null MX with real ones; if a domain does anyway, the real ones
      // are still the only places mail could go.
      .filter(({ exchange }) => !isNullExchange(exchange))
      // Array.prototype.sort is stable: equal preferences keep the resolver's order.
      .sort((a, b) => a.priority - b.priority);
    if (hosts.length === 0) {
      lookups.push(`MX ${name} → null MX "." (the domain accepts no mail)`);
      throw new MailDomainError("NULL_MX", name, `The domain ${name} declares that it accepts no e-mail (null MX)`, lookups);
    }
    lookups.push(`MX ${name} → ${hosts.map((host) => `${host.exchange} (${host.priority})`).join(", ")}`);
    return { hosts, source: "MX", lookups };
  }

  lookups.push(`MX ${name} → none`);
  // Implicit MX: without MX records, the domain's own address is its mail host.
  const [v4, v6] = await Promise.allSettled([within.run(() => resolver.resolve4(name)), within.run(() => resolver.resolve6(name))]);
  if (v4.status === "fulfilled" && v4.value.length > 0) {
    lookups.push(`A ${name} → ${v4.value.join(", ")}`);
    return { hosts: [{ exchange: name, priority: 0 }], source: "A", lookups };
  }
  if (v6.status === "fulfilled" && v6.value.length > 0) {
    lookups.push(`AAAA ${name} → ${v6.value.join(", ")}`);
    return { hosts: [{ exchange: name, priority: 0 }], source: "AAAA", lookups };
  }
  const rejected = [v4, v6].find((result): result is PromiseRejectedResult => result.status === "rejected" && !isNoData(result.reason));
  if (rejected) throw failure(rejected.reason, name, "A/AAAA", lookups);
  lookups.push(`A/AAAA ${name} → none`);
  throw new MailDomainError("NO_MAIL_HOSTS", name, `The domain ${name} has no mail servers (no MX or address records)`, lookups);
}

/**
 * The addresses of one mail host, looked up through the same resolvers as its MX records (the
 * system's own lookup would not ask DNS_SERVERS). IPv4 first: many hosting networks have no
 * working IPv6 route. Throws MailDomainError like resolveMailHosts.
 */
export async function resolveHostAddresses(host: string, options: MailHostLookupOptions = {}): Promise<{ addresses: ResolvedHostAddress[]; lookup: string }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  const dnsServers = options.dnsServers ?? config().DNS_SERVERS;
  const lookups: string[] = [];
  let found: ResolvedHostAddress[];
  try {
    if (dnsServers.length === 0) {
      // The operating system's lookup also reads /etc/hosts, as any MTA on this machine would.
      const resolver = createResolver([], timeoutMs);
      const result = await deadline(resolver, timeoutMs).run(() => dns.lookup(host, { all: true, order: "ipv4first" }));
      found = result.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
    } else {
      const resolver = createResolver(dnsServers, timeoutMs);
      const within = deadline(resolver, timeoutMs);
      const [v4, v6] = await Promise.allSettled([within.run(() => resolver.resolve4(host)), within.run(() => resolver.resolve6(host))]);
      found = [
        ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
        ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
      ];
      if (found.length === 0) {
        const rejected = [v4, v6].find((result): result is PromiseRejectedResult => result.status === "rejected" && !isNoData(result.reason));
        if (rejected) throw rejected.reason;
      }
    }
  } catch (error) {
    throw failure(error, host, "A/AAAA", lookups);
  }
  if (found.length === 0) {
    lookups.push(`A/AAAA ${host} → none`);
    throw new MailDomainError("NO_MAIL_HOSTS", host, `The mail host ${host} has no address records`, lookups);
  }
  return { addresses: found, lookup: `A/AAAA ${host} → ${found.map(({ address }) => address).join(", ")}` };
}

export type MailHostsCheck = { ok: true; source: MailHosts["source"]; hosts: MailHost[] } | { ok: false; reason: MailDomainErrorReason; message: string };

/**
 * For form validation: can this domain receive mail? A DNS failure or timeout is reported with
 * its own reason so the form can say "try again" instead of "this domain takes no mail".
 */
export async function hasMailHosts(domain: string, options: MailHostLookupOptions = {}): Promise<MailHostsCheck> {
  try {
    const { source, hosts } = await resolveMailHosts(domain, options);
    return { ok: true, source, hosts };
  } catch (error) {
    if (error instanceof MailDomainError) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}
