import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, strictTransportSecurity } from "./security-headers.ts";

describe("security headers", () => {
  it("allow eval only in development, where React needs it", () => {
    expect(contentSecurityPolicy({ nonce: "abc" })).not.toContain("unsafe-eval");
    expect(contentSecurityPolicy({ nonce: "abc", development: true })).toContain("'unsafe-eval'");
  });

  it("give every response its own nonce", () => {
    expect(newNonce()).not.toBe(newNonce());
    expect(newNonce()).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it("send HSTS, and upgrade insecure requests, only when the public URL is https", () => {
    expect(strictTransportSecurity("https://postkamer.klant.example")).toBe("max-age=31536000");
    expect(strictTransportSecurity("http://localhost:3000")).toBeNull();
    expect(strictTransportSecurity(undefined)).toBeNull();
    expect(contentSecurityPolicy({ nonce: "abc", https: true })).toContain("upgrade-insecure-requests");
    expect(contentSecurityPolicy({ nonce: "abc" })).not.toContain("upgrade-insecure-requests");
  });
});
