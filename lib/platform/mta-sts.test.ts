import { describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config.ts";
import { mxMatchesPolicy, MtaStsError, parseMtaStsPolicy, parseMtaStsTxt, parseTlsRptTxt } from "./mta-sts.ts";

describe("parseMtaStsPolicy (RFC 8461 §3.2)", () => {
  it("reads version, mode, every mx and max_age, with CRLF or LF line ends", () => {
    expect(parseMtaStsPolicy("version: STSv1\r\nmode: enforce\r\nmx: mx1.Example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n")).toEqual({
      mode: "enforce",
      mx: ["mx1.example.com", "*.example.net"],
      maxAge: 604800,
    });
    expect(parseMtaStsPolicy("version: STSv1\nmode: none\nmax_age: 86400\nextension_key: ignored\n")).toEqual({ mode: "none", mx: [], maxAge: 86400 });
  });

  it.each([
    ["no version", "mode: enforce\nmx: mx.example.com\nmax_age: 1\n", "no version"],
    ["another version", "version: STSv2\nmode: enforce\nmx: mx.example.com\nmax_age: 1\n", "not STSv1"],
    ["an unknown mode", "version: STSv1\nmode: strict\nmx: mx.example.com\nmax_age: 1\n", "is not enforce"],
    ["no max_age", "version: STSv1\nmode: enforce\nmx: mx.example.com\n", "no max_age"],
    ["a max_age over a year", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557601\n", "max_age"],
    ["a negative max_age", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: -1\n", "max_age"],
    ["mode twice", "version: STSv1\nmode: testing\nmode: enforce\nmx: mx.example.com\nmax_age: 1\n", "more than once"],
    ["no mx in enforce", "version: STSv1\nmode: enforce\nmax_age: 1\n", "names no mx"],
    ["a wildcard in the middle", "version: STSv1\nmode: enforce\nmx: mx.*.example.com\nmax_age: 1\n", "not a host name"],
    ["a line without a colon", "version: STSv1\nmode enforce\nmx: mx.example.com\nmax_age: 1\n", 'not "key: value"'],
    ["an HTML page", "<html><body>mta-sts</body></html>", 'not "key: value"'],
  ])("refuses a policy with %s", (_what, text, message) => {
    expect(() => parseMtaStsPolicy(text)).toThrow(MtaStsError);
    expect(() => parseMtaStsPolicy(text)).toThrow(message);
  });
});

describe("mxMatchesPolicy (§4.1)", () => {
  it("matches a host exactly, case-insensitively and without the trailing dot", () => {
    expect(mxMatchesPolicy("MX1.example.com.", ["mx1.example.com"])).toBe(true);
    expect(mxMatchesPolicy("mx2.example.com", ["mx1.example.com"])).toBe(false);
  });

  it("lets a wildcard stand for exactly one leftmost label", () => {
    expect(mxMatchesPolicy("mx1.example.com", ["*.example.com"])).toBe(true);
    expect(mxMatchesPolicy("a.mx1.example.com", ["*.example.com"])).toBe(false);
    expect(mxMatchesPolicy("example.com", ["*.example.com"])).toBe(false);
    expect(mxMatchesPolicy("mx1.badexample.com", ["*.example.com"])).toBe(false);
  });
});

describe("the _mta-sts and _smtp._tls TXT records", () => {
  it("takes the id of the one v=STSv1 record", () => {
    expect(parseMtaStsTxt(["v=STSv1; id=20160831085700Z;"])).toBe("20160831085700Z");
    expect(parseMtaStsTxt(["v=spf1 -all", "v=STSv1; id=abc"])).toBe("abc");
  });

  it("has no policy with two STS records, none, or an id that is not 1-32 letters and digits", () => {
    expect(parseMtaStsTxt(["v=STSv1; id=a", "v=STSv1; id=b"])).toBeUndefined();
    expect(parseMtaStsTxt([])).toBeUndefined();
    expect(parseMtaStsTxt(["v=STSv1; id=not-allowed"])).toBeUndefined();
    expect(parseMtaStsTxt(["v=STSv1;"])).toBeUndefined();
  });

  it("reads the TLS-RPT reporting address", () => {
    expect(parseTlsRptTxt(["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"])).toBe("mailto:tlsrpt@example.com");
    expect(parseTlsRptTxt(["v=spf1 -all"])).toBeUndefined();
  });
});

describe("the platform mail settings", () => {
  it("accepts IP addresses in PLATFORM_SMTP_IPS and refuses ranges and host names with a clear error", () => {
    expect(parseConfig({ PLATFORM_SMTP_IPS: "192.0.2.10, 2001:db8::25" }).PLATFORM_SMTP_IPS).toEqual(["192.0.2.10", "2001:db8::25"]);
    expect(() => parseConfig({ PLATFORM_SMTP_IPS: "192.0.2.0/24" })).toThrow(/PLATFORM_SMTP_IPS: expected IP addresses/);
    expect(() => parseConfig({ PLATFORM_SMTP_IPS: "mail.example.com" })).toThrow(/PLATFORM_SMTP_IPS/);
  });

  it("refuses the test-only MTA-STS settings in production", () => {
    expect(parseConfig({ NODE_ENV: "test", MTA_STS_PORT: "8443" }).MTA_STS_PORT).toBe(8443);
    expect(() => parseConfig({ NODE_ENV: "production", MTA_STS_PORT: "8443" })).toThrow(/MTA_STS_PORT: is for tests only/);
    expect(() => parseConfig({ NODE_ENV: "production", TEST_TRUSTED_CA_FILE: "/tmp/ca.pem" })).toThrow(/TEST_TRUSTED_CA_FILE: is for tests only/);
  });

  it("wants the DKIM selector and private key together, and a usable key", () => {
    expect(() => parseConfig({ PLATFORM_DKIM_SELECTOR: "pk2026" })).toThrow(
      /PLATFORM_DKIM_PRIVATE_KEY: set PLATFORM_DKIM_SELECTOR and PLATFORM_DKIM_PRIVATE_KEY together/,
    );
    expect(() => parseConfig({ PLATFORM_DKIM_SELECTOR: "pk2026", PLATFORM_DKIM_PRIVATE_KEY: "not a key" })).toThrow(/expected a PEM private key/);
  });
});
