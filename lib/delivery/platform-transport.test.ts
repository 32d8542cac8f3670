import { describe, expect, it } from "vitest";
import { platformDeliveryOptions, sendViaPlatform } from "@/lib/delivery/platform-transport.ts";
import { deliveryErrorOutcome } from "@/lib/smtp/outcome.ts";
import { parseConfig } from "@/lib/config.ts";

/** nodemailer's error shape, as its SMTP connection builds it. */
const smtpFailure = (code: string, response: string | false, command: string, originalCode?: string) =>
  Object.assign(new Error(`failed${response ? `: ${response}` : ""}`), {
    code,
    command,
    ...(response ? { response, responseCode: Number(response.slice(0, 3)) } : {}),
    ...(originalCode ? { originalCode } : {}),
  });

describe("deliveryErrorOutcome", () => {
  it.each([
    ["a greylisting 451 at RCPT", smtpFailure("EENVELOPE", "451 4.7.1 Greylisted", "RCPT TO"), "relay", "transient"],
    ["a temporary 421 that nodemailer calls EENVELOPE", smtpFailure("EENVELOPE", "421 4.4.2 Connection dropped", "DATA"), "relay", "transient"],
    ["an unknown recipient", smtpFailure("EENVELOPE", "550 5.1.1 User unknown", "RCPT TO"), "mx", "permanent"],
    ["a refused connection", smtpFailure("ESOCKET", false, "CONN", "ECONNREFUSED"), "relay", "transient"],
    ["a timeout", smtpFailure("ETIMEDOUT", false, "CONN"), "mx", "transient"],
    ["wrong relay credentials", smtpFailure("EAUTH", "535 5.7.8 Error: authentication failed", "AUTH PLAIN"), "relay", "transient"],
    [
      "a relay refusing send-as",
      smtpFailure("EENVELOPE", "550 5.7.60 SMTP; Client does not have permissions to send as this sender", "MAIL FROM"),
      "relay",
      "transient",
    ],
    ["an MX refusing to relay", smtpFailure("EENVELOPE", "550 5.7.1 Relaying denied", "RCPT TO"), "mx", "permanent"],
    [
      "Google's daily relay limit (a 5xx meaning slow down)",
      smtpFailure("EENVELOPE", "550 5.7.1 Daily SMTP relay limit exceeded", "MAIL FROM"),
      "relay",
      "transient",
    ],
    ["something that is no SMTP error at all", new Error("boom"), "relay", "transient"],
  ] as const)("maps %s", (_case, error, route, status) => {
    expect(deliveryErrorOutcome(error, route).status).toBe(status);
  });

  it("keeps the reply, its code, the classification and the explanation", () => {
    expect(deliveryErrorOutcome(smtpFailure("EAUTH", "535 5.7.8 Error: authentication failed", "AUTH PLAIN"))).toMatchObject({
      status: "transient",
      responseCode: 535,
      response: "535 5.7.8 Error: authentication failed",
      classification: "auth",
      explanation: { id: "wrong-credentials" },
    });
  });
});

describe("platformDeliveryOptions", () => {
  it("takes the smarthost, MX port and resolvers from the configuration", () => {
    const cfg = parseConfig({ PLATFORM_SMTP_URL: "smtp://relay.example:587", MX_PORT: "2525", DNS_SERVERS: "192.0.2.53, [2001:db8::53]:5353" });
    expect(platformDeliveryOptions(cfg)).toEqual({
      platformSmtpUrl: "smtp://relay.example:587",
      mxPort: 2525,
      dnsServers: ["192.0.2.53", "[2001:db8::53]:5353"],
      allowPrivate: false,
    });
    expect(platformDeliveryOptions(parseConfig({})).platformSmtpUrl).toBeUndefined();
  });
});

describe("sendViaPlatform input checks", () => {
  const base = { from: { name: "Postkamer", address: "noreply@postkamer.example" }, to: ["a@klant.example"], subject: "Code", text: "x" };

  it.each([
    ["CR/LF in the subject", { subject: "Code\r\nBcc: x@example.com" }],
    ["a NEL in the subject", { subject: "Code\u0085Bcc: x@example.com" }],
    ["a tab in the display name", { from: { name: "Post\tkamer", address: "noreply@postkamer.example" } }],
    ["an address list as from address", { from: { name: "P", address: "a@x.example, b@y.example" } }],
    ["no recipients", { to: [] }],
    ["a malformed Message-ID", { messageId: "no-brackets@postkamer.example" }],
    ["an invalid header name", { headers: { "X Bad": "1" } }],
  ])("throws a TypeError for %s", async (_case, overrides) => {
    await expect(sendViaPlatform({ ...base, ...overrides }, { platformSmtpUrl: "smtp://127.0.0.1:9" })).rejects.toThrow(TypeError);
  });

  it("accepts a sender on a dotless domain such as the embedded default postkamer@localhost", async () => {
    const outcome = await sendViaPlatform(
      { ...base, from: { name: "Postkamer", address: "postkamer@localhost" } },
      { platformSmtpUrl: "smtp://127.0.0.1:9", connectionTimeoutMs: 1_000 },
    );
    // Nothing listens on port 9: the point is that it got as far as connecting.
    expect(outcome).toMatchObject({ status: "transient", route: "smarthost", tried: [{ host: "127.0.0.1", port: 9, ok: false }] });
  });
});
