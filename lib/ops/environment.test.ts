import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@/lib/config.ts";
import { loadOrCreateLocalSecrets } from "./secrets.ts";

describe("local secrets", () => {
  it("are generated once, kept with mode 0600 and reused on the next start", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "pk-secrets-")), "secrets.json");
    const first = await loadOrCreateLocalSecrets(file);
    const second = await loadOrCreateLocalSecrets(file);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.secrets).toEqual(first.secrets);
    expect(first.secrets.ENCRYPTION_KEY).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(first.secrets);
  });
});

describe("configuration", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ PORT: 3000, MX_PORT: 25, LOG_RETENTION_DAYS: 28, DNS_SERVERS: [] });
  });

  it("names the variable that is wrong", () => {
    expect(() => parseConfig({ PORT: "0" })).toThrow(ConfigError);
    expect(() => parseConfig({ DNS_SERVERS: "127.0.0.1:5353, not a host" })).toThrow(/DNS_SERVERS/);
    expect(() => parseConfig({ AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET/);
  });

  it("reads DNS_SERVERS as a comma list of ip[:port]", () => {
    expect(parseConfig({ DNS_SERVERS: "127.0.0.1:5353,::1" }).DNS_SERVERS).toEqual(["127.0.0.1:5353", "::1"]);
  });
});
