import { BlockList, isIP } from "node:net";

/**
 * The address a request came from, for the per-client sign-in throttle (ASVS 6.3.1). A client
 * can write any `X-Forwarded-For` it likes, so the header only counts when the socket's peer is a
 * proxy the operator listed in TRUSTED_PROXIES; then the right-most hop that is not such a proxy
 * is the client (each proxy appends the peer it saw, so everything left of that is the client's
 * own say). Without TRUSTED_PROXIES the socket's peer is the client.
 *
 * Route handlers never see the socket, so lib/auth/client-address-header.ts works this out when
 * the request arrives and hands it on in CLIENT_ADDRESS_HEADER, overwriting whatever the client
 * sent under that name.
 */
export const CLIENT_ADDRESS_HEADER = "x-postkamer-client-address";

export type TrustedProxies = { list: BlockList; empty: boolean };

/** `TRUSTED_PROXIES`: addresses and CIDR ranges, comma-separated (`127.0.0.1, 10.0.0.0/8, fd00::/8`). */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const problem = trustedProxyProblem(entry);
    if (problem) throw new Error(`TRUSTED_PROXIES: ${problem}`);
    const [address, bits] = entry.split("/") as [string, string | undefined];
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return { list, empty: entries.length === 0 };
}

/** Why an entry of TRUSTED_PROXIES is not an address or CIDR range, or null. */
export function trustedProxyProblem(entry: string): string | null {
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (!family || rest.length > 0) return `"${entry}" is not an IP address or CIDR range`;
  if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128))) return `"${entry}" has an invalid prefix length`;
  return null;
}

/**
 * An address as written in a socket or a forwarded header, or null when it is none: IPv4-mapped
 * IPv6 (`::ffff:192.0.2.1`) becomes plain IPv4; brackets, a port and an IPv6 zone are dropped.
 */
export function normalizeAddress(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let value = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  value = value.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(value);
  if (mapped) value = mapped[1]!;
  return isIP(value) ? value.toLowerCase() : null;
}

function isTrusted(address: string, trusted: TrustedProxies): boolean {
  return !trusted.empty && trusted.list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** The client's address from the socket's peer and the forwarded chain (see above). */
export function clientAddressOf(peer: string | undefined | null, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string | null {
  let client = normalizeAddress(peer);
  if (!client || !isTrusted(client, trusted)) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "")).split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    // Not an address: nothing a trusted proxy wrote, so the last address we believed is the client.
    if (!hop) return client;
    client = hop;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return client;
}

/**
 * What the throttle counts per client: an IPv4 address, or an IPv6 /64 — one subscriber's
 * network, in which an attacker can pick a fresh address for every try.
 */
export function throttleClientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return expandIpv6(address).slice(0, 4).join(":") + "::/64";
}

function expandIpv6(address: string): string[] {
  let value = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:… was already made plain IPv4; this is e.g. 64:ff9b::192.0.2.1).
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    value = value.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head, tail] = value.includes("::") ? (value.split("::") as [string, string]) : [value, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ""));
}
