import { describe, expect, it } from "vitest";
import { HostRefusedError, isPrivateAddress, normalizeHost, resolveSmtpHost, type HostResolver, type ResolvedAddress } from "@/lib/mailservers/host-guard.ts";

function fakeResolver(records: Record<string, ResolvedAddress[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async lookup(hostname) {
      calls.push(hostname);
      const found = records[hostname];
      if (!found) throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return found;
    },
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HostRefusedError);
    return (error as HostRefusedError).reason;
  }
  return undefined;
}

const publicV4 = { address: "52.97.1.2", family: 4 } as const;
const publicV6 = { address: "2603:1026:c0b::2", family: 6 } as const;

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.251",
    "240.0.0.1",
    "192.0.2.10",
    "198.18.0.1",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::10.0.0.1",
    "2001:db8::1",
    "2002:7f00:1::1",
    "not-an-ip",
  ])("refuses %s", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["52.97.1.2", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2603:1026:c0b::2", "2a00:1450:4013:c00::6c", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"])(
    "accepts public %s",
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe("normalizeHost", () => {
  it("lowercases, strips a trailing dot and brackets, and converts IDN to punycode", () => {
    expect(normalizeHost(" SMTP.Office365.com. ")).toBe("smtp.office365.com");
    expect(normalizeHost("[::1]")).toBe("::1");
    expect(normalizeHost("mail.bücher.de")).toBe("mail.xn--bcher-kva.de");
  });

  it("turns odd IPv4 spellings into the address they mean", () => {
    expect(normalizeHost("0x7f.1")).toBe("127.0.0.1");
    expect(normalizeHost("2130706433")).toBe("127.0.0.1");
  });

  it.each(["", "   ", "http://smtp.example.com", "smtp.example.com:587", "a b.com", "-bad.example.com", "foo..bar", "under_score.example", "x".repeat(254)])(
    "rejects %j",
    (input) => {
      expect(normalizeHost(input)).toBeUndefined();
    },
  );
});

describe("resolveSmtpHost", () => {
  it("returns the checked address with the host name as servername", async () => {
    const resolver = fakeResolver({ "smtp.office365.com": [publicV6, publicV4] });
    await expect(resolveSmtpHost("SMTP.office365.com", 587, { allowPrivate: false, resolver })).resolves.toEqual({
      address: "52.97.1.2",
      family: 4,
      servername: "smtp.office365.com",
    });
  });

  it("uses an IPv6 address when that is all there is", async () => {
    const resolver = fakeResolver({ "v6.example.com": [publicV6] });
    await expect(resolveSmtpHost("v6.example.com", 465, { allowPrivate: false, resolver })).resolves.toMatchObject({ address: publicV6.address, family: 6 });
  });

  it("accepts a public IP literal without a lookup", async () => {
    const resolver = fakeResolver({});
    await expect(resolveSmtpHost("52.97.1.2", 25, { allowPrivate: false, resolver })).resolves.toEqual({
      address: "52.97.1.2",
      family: 4,
      servername: "52.97.1.2",
    });
    expect(resolver.calls).toEqual([]);
  });

  it("refuses a name that resolves to the cloud metadata address", async () => {
    const resolver = fakeResolver({ "evil.example.com": [{ address: "169.254.169.254", family: 4 }] });
    await expect(reasonOf(resolveSmtpHost("evil.example.com", 587, { allowPrivate: false, resolver }))).resolves.toBe("PRIVATE_ADDRESS");
  });

  it("refuses a name with one public and one private address", async () => {
    const resolver = fakeResolver({ "mixed.example.com": [publicV4, { address: "10.0.0.5", family: 4 }] });
    await expect(reasonOf(resolveSmtpHost("mixed.example.com", 587, { allowPrivate: false, resolver }))).resolves.toBe("PRIVATE_ADDRESS");
  });

  it.each(["127.0.0.1", "[::1]", "::ffff:127.0.0.1", "0x7f.1", "10.0.0.1", "169.254.169.254"])("refuses the literal %s", async (host) => {
    await expect(reasonOf(resolveSmtpHost(host, 587, { allowPrivate: false, resolver: fakeResolver({}) }))).resolves.toBe("PRIVATE_ADDRESS");
  });

  it("does not reveal the private address it found", async () => {
    const resolver = fakeResolver({ "internal.example.com": [{ address: "10.9.8.7", family: 4 }] });
    const error = (await resolveSmtpHost("internal.example.com", 587, { allowPrivate: false, resolver }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("internal.example.com");
    expect(error.message).not.toContain("10.9.8.7");
  });

  it("allows private addresses and any port when allowPrivate is on", async () => {
    await expect(resolveSmtpHost("127.0.0.1", 2526, { allowPrivate: true })).resolves.toEqual({ address: "127.0.0.1", family: 4, servername: "127.0.0.1" });
    const resolver = fakeResolver({ mailcatcher: [{ address: "172.18.0.3", family: 4 }] });
    await expect(resolveSmtpHost("mailcatcher", 1025, { allowPrivate: true, resolver })).resolves.toMatchObject({ address: "172.18.0.3" });
  });

  it.each([25, 465, 587, 2525])("allows the SMTP port %i", async (port) => {
    await expect(resolveSmtpHost("52.97.1.2", port, { allowPrivate: false })).resolves.toBeTruthy();
  });

  it.each([22, 80, 443, 5432, 6379, 0, 65536, 1.5])("refuses port %s without allowPrivate", async (port) => {
    await expect(reasonOf(resolveSmtpHost("52.97.1.2", port, { allowPrivate: false }))).resolves.toBe("PORT_NOT_ALLOWED");
  });

  it("refuses an impossible port even with allowPrivate", async () => {
    await expect(reasonOf(resolveSmtpHost("127.0.0.1", 70000, { allowPrivate: true }))).resolves.toBe("PORT_NOT_ALLOWED");
  });

  it("reports a name that does not resolve", async () => {
    await expect(reasonOf(resolveSmtpHost("nope.example.com", 587, { allowPrivate: false, resolver: fakeResolver({}) }))).resolves.toBe("NOT_FOUND");
  });

  it("reports a lookup that hangs as not found, within the timeout", async () => {
    const resolver: HostResolver = { lookup: () => new Promise(() => {}) };
    const started = Date.now();
    await expect(reasonOf(resolveSmtpHost("slow.example.com", 587, { allowPrivate: false, resolver, timeoutMs: 50 }))).resolves.toBe("NOT_FOUND");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("reports invalid input", async () => {
    await expect(reasonOf(resolveSmtpHost("smtp.example.com:587", 587, { allowPrivate: false }))).resolves.toBe("INVALID_HOST");
    await expect(reasonOf(resolveSmtpHost("", 587, { allowPrivate: false }))).resolves.toBe("INVALID_HOST");
  });

  it("resolves localhost through the system resolver", async () => {
    const checked = await resolveSmtpHost("localhost", 2525, { allowPrivate: true });
    expect(["127.0.0.1", "::1"]).toContain(checked.address);
    expect(checked.servername).toBe("localhost");
  });
});
