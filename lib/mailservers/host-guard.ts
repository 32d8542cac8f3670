import { promises as dns } from "node:dns";
import { BlockList, isIP } from "node:net";
import { domainToASCII } from "node:url";
import { config } from "@/lib/config.ts";

/**
 * SSRF guard for administrator-entered SMTP hosts (OWASP ASVS 1.3.6). An SMTP host field is a
 * way to make the platform open TCP connections: to cloud metadata, to the database, or to scan
 * ports by timing and error text. So the host is resolved once, every address is checked, and
 * the caller connects to the checked address, with the host name only for SNI and the
 * certificate check; a second lookup (as nodemailer would do) could be answered differently
 * (DNS rebinding).
 */

export type HostRefusedReason = "PRIVATE_ADDRESS" | "PORT_NOT_ALLOWED" | "NOT_FOUND" | "INVALID_HOST";

/** Carries only what the administrator typed: never the resolved address or resolver detail. */
export class HostRefusedError extends Error {
  readonly reason: HostRefusedReason;
  readonly code = "EHOSTREFUSED";
  constructor(reason: HostRefusedReason, message: string) {
    super(message);
    this.name = "HostRefusedError";
    this.reason = reason;
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Looks a host name up; injectable so tests (and the probe) can control what a name resolves to. */
export interface HostResolver {
  lookup(hostname: string): Promise<ResolvedAddress[]>;
}

export interface CheckedHost {
  /** Connect to this address, not to the name. */
  address: string;
  family: 4 | 6;
  /** The normalised host name (or IP literal) for SNI and the certificate check. */
  servername: string;
}

export interface ResolveOptions {
  allowPrivate: boolean;
  resolver?: HostResolver;
  /** Upper bound for the lookup; default 5 s. */
  timeoutMs?: number;
}

/** Submission (587), implicit TLS (465), relay (25) and the common alternative 2525. */
export const STANDARD_SMTP_PORTS: readonly number[] = [25, 465, 587, 2525];

const blocked = new BlockList();
// IPv4 special-purpose ranges (RFC 6890 and successors): none of them is a public mail server.
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, incl. cloud metadata 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast 255.255.255.255
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
// IPv6: only global unicast (2000::/3) can be a public server; within it, these are special.
const globalUnicast = new BlockList();
globalUnicast.addSubnet("2000::", 3, "ipv6");
for (const [network, prefix] of [
  ["2001::", 23], // IETF protocol assignments, incl. Teredo
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4: embeds an arbitrary IPv4 address
  ["3fff::", 20], // documentation
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** Expands an IPv6 address (without zone) to eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function embeddedIPv4(groups: number[]): string {
  const [hi, lo] = [groups[6]!, groups[7]!];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

/** True for loopback, private, link-local, CGNAT, multicast, reserved and similar addresses. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, "ipv4");
  if (family !== 6) return true;
  const groups = ipv6Groups(bare);
  const [g0, g1, g2, g3, g4, g5] = groups as [number, number, number, number, number, number];
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isPrivateAddress(embeddedIPv4(groups));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateAddress(embeddedIPv4(groups));
  if (!globalUnicast.check(bare, "ipv6")) return true;
  return blocked.check(bare, "ipv6");
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Normalises typed input to an ASCII host name or IP literal; undefined when it is neither. */
export function normalizeHost(input: string): string | undefined {
  let host = input.trim();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (isIP(host)) return host.toLowerCase();
  // domainToASCII applies IDNA and also turns IPv4 spellings such as "0x7f.1" or "2130706433"
  // into dotted form, which the system resolver would otherwise read as 127.0.0.1 unchecked.
  const ascii = domainToASCII(host).replace(/\.$/, "");
  if (!ascii) return undefined;
  if (isIP(ascii)) return ascii;
  if (ascii.length > 253 || !ascii.split(".").every((label) => HOST_LABEL.test(label))) return undefined;
  // An all-numeric last label is an IPv4 spelling domainToASCII did not recognise.
  if (/^\d+$/.test(ascii.split(".").at(-1)!)) return undefined;
  return ascii;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The platform's resolver: the DNS_SERVERS when configured (`ip` or `ip:port`, the format
 * `Resolver.setServers` takes), else the operating system's lookup (which also reads /etc/hosts).
 */
export function systemResolver(dnsServers: readonly string[] = config().DNS_SERVERS): HostResolver {
  if (dnsServers.length === 0) {
    return {
      async lookup(hostname) {
        const found = await dns.lookup(hostname, { all: true, order: "verbatim" });
        return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
      },
    };
  }
  const resolver = new dns.Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([...dnsServers]);
  return {
    async lookup(hostname) {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
      const found: ResolvedAddress[] = [
        ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
        ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
      ];
      if (found.length === 0 && v4.status === "rejected") throw v4.reason;
      return found;
    },
  };
}

/**
 * Resolves an SMTP host and checks every address it resolves to. Refuses private and special
 * addresses and non-SMTP ports unless `allowPrivate` (ALLOW_PRIVATE_SMTP_HOSTS). A name with
 * both public and private addresses is refused: it is either misconfigured or an attack.
 */
export async function resolveSmtpHost(host: string, port: number, options: ResolveOptions): Promise<CheckedHost> {
  const { allowPrivate } = options;
  const typed = String(host ?? "").slice(0, 300);
  const servername = normalizeHost(typed);
  if (!servername) throw new HostRefusedError("INVALID_HOST", `"${typed}" is not a valid host name or IP address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (!allowPrivate && !STANDARD_SMTP_PORTS.includes(port))) {
    throw new HostRefusedError("PORT_NOT_ALLOWED", `Port ${port} is not allowed; use 25, 465, 587 or 2525`);
  }

  let addresses: ResolvedAddress[];
  const literal = isIP(servername);
  if (literal) {
    addresses = [{ address: servername, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      const resolver = options.resolver ?? systemResolver();
      addresses = await withTimeout(resolver.lookup(servername), options.timeoutMs ?? 5_000);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new HostRefusedError("NOT_FOUND", `Host "${servername}" could not be found`);
  }

  if (!allowPrivate && addresses.some(({ address }) => isPrivateAddress(address))) {
    throw new HostRefusedError("PRIVATE_ADDRESS", `Host "${servername}" points to a private or reserved network address`);
  }
  // IPv4 first: many hosting networks have no working IPv6 route, and a probe must not fail on it.
  const chosen = addresses.find(({ family }) => family === 4) ?? addresses[0]!;
  return { address: chosen.address, family: chosen.family, servername };
}
