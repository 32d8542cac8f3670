import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientAddressOf, normalizeAddress, parseTrustedProxies, throttleClientKey } from "@/lib/auth/client-address.ts";
import { installClientAddressHeader } from "@/lib/auth/client-address-header.ts";
import { signInWithPassword } from "@/lib/auth/credentials.ts";
import { FREE_CLIENT_FAILURES } from "@/lib/auth/login-throttle.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Issue 14, item 2: the per-client sign-in throttle counted whatever X-Forwarded-For said, so a
 * client that sent a new value with every try was never throttled and wrote a row per try.
 * Here a real HTTP server with the client-address header in place stands in for Next.js; its
 * handler signs in the way lib/auth/options.ts does.
 */
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer(async (request, response) => {
    const url = new URL(request.url!, "http://localhost");
    const seen = request.headers[CLIENT_ADDRESS_HEADER];
    const clientAddress = typeof seen === "string" ? seen : null;
    if (url.pathname === "/echo") return response.end(JSON.stringify({ clientAddress }));
    const result = await signInWithPassword(testDb(), { email: url.searchParams.get("email")!, password: "fout-wachtwoord", clientAddress });
    response.end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  installClientAddressHeader(parseTrustedProxies(undefined));
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  installClientAddressHeader(parseTrustedProxies(undefined));
  await resetDatabase();
  await seed(testDb(), { adminEmail: "admin@example.test", adminPassword: "admin-password-123" });
});

async function get(path: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return (await response.json()) as Record<string, unknown>;
}

describe("the client address", () => {
  it("is the socket's peer: a forged X-Forwarded-For, X-Real-IP or client-address header changes nothing", async () => {
    const seen = await get("/echo", { "x-forwarded-for": "203.0.113.7", "x-real-ip": "203.0.113.8", [CLIENT_ADDRESS_HEADER]: "198.51.100.1" });
    expect(seen.clientAddress).toBe("127.0.0.1");
  });

  it("is the right-most hop that is not a trusted proxy when the peer is one (TRUSTED_PROXIES)", async () => {
    installClientAddressHeader(parseTrustedProxies("127.0.0.1, 10.0.0.0/8"));
    // The client wrote "198.51.100.1, 192.0.2.50"; the outer proxy appended the client's address, the inner one the outer's.
    const seen = await get("/echo", { "x-forwarded-for": "198.51.100.1, 192.0.2.50, 203.0.113.7, 10.1.2.3" });
    expect(seen.clientAddress).toBe("203.0.113.7");
    expect((await get("/echo")).clientAddress).toBe("127.0.0.1");
  });

  it("reads addresses as proxies write them", () => {
    const trusted = parseTrustedProxies("10.0.0.0/8,fd00::/8");
    expect(normalizeAddress("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(normalizeAddress("192.0.2.1:51234")).toBe("192.0.2.1");
    expect(normalizeAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("unknown")).toBeNull();
    expect(clientAddressOf("::ffff:10.0.0.9", "2001:db8::7, fd00::2", trusted)).toBe("2001:db8::7");
    // Garbage left of the trusted hops: the last address a trusted proxy vouched for.
    expect(clientAddressOf("10.0.0.9", "<script>, 10.0.0.5", trusted)).toBe("10.0.0.5");
    expect(clientAddressOf("192.0.2.1", "10.0.0.5", trusted)).toBe("192.0.2.1");
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/TRUSTED_PROXIES/);
    expect(() => parseTrustedProxies("proxy.example")).toThrow(/TRUSTED_PROXIES/);
  });

  it("counts an IPv6 client per /64, where one subscriber can pick any address", () => {
    expect(throttleClientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(throttleClientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(throttleClientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(throttleClientKey("192.0.2.1")).toBe("192.0.2.1");
  });
});

describe("the per-client sign-in throttle", () => {
  it("throttles 40 sign-ins for different accounts with a fresh X-Forwarded-For each, and keeps the rows they write bounded", async () => {
    const results: string[] = [];
    for (let i = 0; i < 40; i++) {
      const result = await get(`/sign-in?email=doelwit-${i}@example.test`, { "x-forwarded-for": `198.51.100.${i + 1}` });
      results.push(String(result.reason));
    }
    expect(results.slice(0, FREE_CLIENT_FAILURES)).toEqual(Array(FREE_CLIENT_FAILURES).fill("invalid"));
    expect(results.slice(FREE_CLIENT_FAILURES + 1)).toEqual(Array(40 - FREE_CLIENT_FAILURES - 1).fill("throttled"));
    // One row per account tried before the block, one for the client; a blocked try writes nothing.
    expect(await testDb().loginThrottle.count()).toBe(FREE_CLIENT_FAILURES + 1 + 1);
    expect(await testDb().loginThrottle.count({ where: { key: { startsWith: "ip:198.51.100." } } })).toBe(0);
  });

  it("throttles tries from fresh IPv6 addresses of one /64", async () => {
    let last: SignIn | undefined;
    for (let i = 0; i <= FREE_CLIENT_FAILURES + 1; i++) {
      last = await signInWithPassword(testDb(), {
        email: `doelwit-${i}@example.test`,
        password: "fout",
        clientAddress: `2001:db8:77:1:${(i + 1).toString(16)}::1`,
      });
    }
    expect(last).toMatchObject({ ok: false, reason: "throttled" });
  });
});

type SignIn = Awaited<ReturnType<typeof signInWithPassword>>;
