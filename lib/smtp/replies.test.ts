import { describe, expect, it } from "vitest";
import { ceilingHintOf, classifyReply, EXPLANATION_IDS, explainReply, parseReply, type SmtpOutcome } from "@/lib/smtp/replies.ts";

const reply = (response: string, command?: string): SmtpOutcome => ({
  response,
  responseCode: Number(response.slice(0, 3)),
  ...(command ? { command } : {}),
});

describe("parseReply", () => {
  it("splits code, enhanced code and text", () => {
    expect(parseReply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant")).toEqual({
      code: 535,
      enhanced: "5.7.139",
      text: "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant",
    });
  });

  it("handles a reply without an enhanced code", () => {
    expect(parseReply("220 mx.example.com ESMTP ready")).toEqual({ code: 220, text: "mx.example.com ESMTP ready" });
    expect(parseReply("454 Throttling failure: Maximum sending rate exceeded.")).toEqual({
      code: 454,
      text: "Throttling failure: Maximum sending rate exceeded.",
    });
  });

  it("joins the lines of a multi-line reply", () => {
    expect(parseReply("250-mx.example.com Hello\r\n250-SIZE 35882577\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n")).toEqual({
      code: 250,
      text: "mx.example.com Hello\nSIZE 35882577\nSTARTTLS\nSMTPUTF8",
    });
    expect(parseReply("550-5.7.1 Daily SMTP relay limit exceeded for user.\n550 5.7.1 Learn more at support")).toMatchObject({
      code: 550,
      enhanced: "5.7.1",
      text: "Daily SMTP relay limit exceeded for user.\nLearn more at support",
    });
  });

  it("returns undefined for text that is not a reply", () => {
    expect(parseReply("connect ECONNREFUSED 127.0.0.1:25")).toBeUndefined();
    expect(parseReply("")).toBeUndefined();
  });
});

describe("classifyReply", () => {
  it.each<[string, SmtpOutcome, string]>([
    ["250 OK", reply("250 2.0.0 OK"), "success"],
    ["354 start input", reply("354 Start mail input"), "success"],
    ["a temporary 421 that nodemailer calls EENVELOPE", { ...reply("421 4.4.2 Connection dropped", "DATA"), code: "EENVELOPE" }, "throttled"],
    ["450 peak relay limit", reply("450 4.2.1 Peak SMTP relay limit exceeded for customer"), "throttled"],
    ["451 local error", reply("451 4.3.0 Temporary local problem"), "throttled"],
    ["452 too many", reply("452 4.5.3 Too many recipients"), "throttled"],
    ["452 mailbox full concerns one recipient", reply("452 4.2.2 Mailbox full"), "transient"],
    ["450 unknown address concerns one recipient", reply("450 4.1.1 Recipient address rejected: unverified address"), "transient"],
    ["454 SES throttling", reply("454 Throttling failure: Maximum sending rate exceeded."), "throttled"],
    ["454 SES daily quota", reply("454 Throttling failure: Daily message quota exceeded."), "throttled"],
    ["4.7.x with a rate message", reply("454 4.7.0 Too many messages, slow down"), "throttled"],
    ["other 4xx", reply("454 4.7.0 TLS not available due to temporary reason"), "transient"],
    ["Google relay daily limit (a 5xx that means pause)", reply("550 5.7.1 Daily SMTP relay limit exceeded for user"), "throttled"],
    ["Google daily sending quota", reply("550 5.4.5 Daily user sending quota exceeded."), "throttled"],
    ["Exchange submission quota", reply("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException"), "throttled"],
    ["535 wrong password", { ...reply("535 5.7.8 Username and Password not accepted"), code: "EAUTH" }, "auth"],
    ["Microsoft 5.7.139", reply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."), "auth"],
    ["530 5.7.57", reply("530 5.7.57 Client not authenticated to send mail."), "auth"],
    ["534 5.7.9 app password", reply("534-5.7.9 Application-specific password required."), "auth"],
    ["EAUTH without a reply", { code: "EAUTH", message: "Invalid login" }, "auth"],
    ["STARTTLS required first", reply("530 5.7.0 Must issue a STARTTLS command first"), "config"],
    ["SendAsDenied", reply("554 5.2.252 SendAsDenied; sender@example.com not allowed to send as other@example.com", "MAIL FROM"), "config"],
    ["550 5.7.60", reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender", "MAIL FROM"), "config"],
    ["relaying denied", reply("550 5.7.1 Unable to relay", "RCPT TO"), "config"],
    [
      "SES unverified address",
      reply("554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: a@b.nl"),
      "config",
    ],
    ["unknown recipient", reply("550 5.1.1 The email account that you tried to reach does not exist", "RCPT TO"), "permanent"],
    ["content rejected", reply("550 5.7.1 Message rejected as spam", "DATA"), "permanent"],
    ["503 bad sequence is worth a new connection", reply("503 5.5.1 Bad sequence of commands"), "transient"],
    ["connection refused", { code: "ECONNECTION", originalCode: "ECONNREFUSED", message: "connect ECONNREFUSED 1.2.3.4:587" }, "transient"],
    ["timeout", { code: "ETIMEDOUT", message: "Greeting never received" }, "transient"],
    ["DNS", { code: "EDNS", originalCode: "ENOTFOUND", message: "getaddrinfo ENOTFOUND smtp.example.invalid" }, "transient"],
    ["self-signed certificate", { code: "ETLS", originalCode: "DEPTH_ZERO_SELF_SIGNED_CERT", message: "self-signed certificate" }, "config"],
    ["expired certificate", { code: "ESOCKET", message: "certificate has expired" }, "config"],
    ["refused by the address guard", { code: "EHOSTREFUSED", originalCode: "PRIVATE_ADDRESS" }, "config"],
    ["an envelope error without a reply", { code: "EENVELOPE", message: "No recipients defined" }, "permanent"],
    ["anything unknown", { code: "EWHATEVER" }, "transient"],
    ["only an enhanced code", { response: "5.1.1 bad address" }, "permanent"],
  ])("%s → %s", (_name, outcome, expected) => {
    expect(classifyReply(outcome)).toBe(expected);
  });
});

describe("explainReply", () => {
  it.each<[string, SmtpOutcome, string]>([
    ["connection refused", { code: "ECONNECTION", originalCode: "ECONNREFUSED", message: "connect ECONNREFUSED 1.2.3.4:587" }, "connection-refused"],
    ["connection timed out", { code: "ETIMEDOUT", message: "Connection timeout", command: "CONN" }, "connection-timeout"],
    ["no greeting", { code: "ETIMEDOUT", command: "GREETING" }, "greeting-timeout"],
    ["DNS not found", { code: "EDNS", originalCode: "ENOTFOUND", message: "getaddrinfo ENOTFOUND smtp.example.invalid" }, "dns-not-found"],
    ["guard: name not found", { code: "EHOSTREFUSED", originalCode: "NOT_FOUND" }, "dns-not-found"],
    ["guard: private", { code: "EHOSTREFUSED", originalCode: "PRIVATE_ADDRESS" }, "host-private-address"],
    ["guard: port", { code: "EHOSTREFUSED", originalCode: "PORT_NOT_ALLOWED" }, "host-port-not-allowed"],
    ["self-signed", { code: "ETLS", originalCode: "DEPTH_ZERO_SELF_SIGNED_CERT", message: "self-signed certificate" }, "tls-self-signed"],
    ["self-signed in chain", { code: "ESOCKET", message: "self-signed certificate in certificate chain" }, "tls-self-signed"],
    [
      "hostname mismatch",
      { code: "ETLS", originalCode: "ERR_TLS_CERT_ALTNAME_INVALID", message: "Hostname/IP does not match certificate's altnames" },
      "tls-hostname-mismatch",
    ],
    ["expired", { code: "ETLS", originalCode: "CERT_HAS_EXPIRED", message: "certificate has expired" }, "tls-expired"],
    ["untrusted chain", { code: "ETLS", message: "unable to verify the first certificate" }, "tls-untrusted"],
    ["implicit TLS on a plain port", { code: "ETLS", message: "write EPROTO ... wrong version number" }, "tls-wrong-mode"],
    ["STARTTLS not offered", { code: "ETLS", command: "STARTTLS", message: "STARTTLS not offered by the server" }, "starttls-not-offered"],
    ["nodemailer STARTTLS rejected", { ...reply("502 5.5.1 Unrecognized command", "STARTTLS"), code: "ETLS" }, "starttls-not-offered"],
    ["535 generic", reply("535 Authentication credentials invalid", "AUTH PLAIN"), "wrong-credentials"],
    ["535 Google", reply("535-5.7.8 Username and Password not accepted.", "AUTH PLAIN"), "wrong-credentials"],
    ["535 Microsoft wrong password", reply("535 5.7.139 Authentication unsuccessful, the user credentials were incorrect.", "AUTH LOGIN"), "wrong-credentials"],
    [
      "535 5.7.139 tenant",
      reply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", "AUTH LOGIN"),
      "microsoft-smtp-auth-disabled",
    ],
    [
      "535 5.7.139 mailbox",
      reply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.", "AUTH LOGIN"),
      "microsoft-smtp-auth-disabled",
    ],
    [
      "535 5.7.139 security defaults",
      reply("535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.", "AUTH LOGIN"),
      "microsoft-security-defaults",
    ],
    ["530 5.7.57", reply("530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139", "MAIL FROM"), "microsoft-client-not-authenticated"],
    [
      "SendAsDenied",
      reply("554 5.2.252 SendAsDenied; a@b.nl not allowed to send as c@b.nl; STOREDRV.Submission.Exception:SendAsDeniedException", "MAIL FROM"),
      "send-as-denied",
    ],
    ["550 5.7.60", reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender.", "MAIL FROM"), "send-as-denied"],
    ["relaying denied", reply("550 5.7.1 Unable to relay", "RCPT TO"), "relaying-denied"],
    ["Postfix relay denied", reply("554 5.7.1 <x@y.nl>: Relay access denied", "RCPT TO"), "relaying-denied"],
    ["STARTTLS first", reply("530 5.7.0 Must issue a STARTTLS command first.", "MAIL FROM"), "starttls-required"],
    ["Google app password", reply("534-5.7.9 Application-specific password required.", "AUTH PLAIN"), "google-app-password-required"],
    [
      "SES unverified",
      reply("554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: a@b.nl", "MAIL FROM"),
      "ses-address-not-verified",
    ],
    ["SES throttling", reply("454 Throttling failure: Maximum sending rate exceeded."), "ses-throttling"],
    [
      "Google relay daily limit",
      reply("550 5.7.1 Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits please contact your administrator"),
      "google-relay-daily-limit",
    ],
    ["Google relay peak limit", reply("450 4.2.1 Peak SMTP relay limit exceeded for customer."), "google-relay-peak-limit"],
    ["SES daily quota", reply("454 Throttling failure: Daily message quota exceeded."), "ses-daily-quota"],
    [
      "Google unusual rate",
      reply("421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address."),
      "google-unusual-rate",
    ],
    [
      "Microsoft recipient rate",
      reply("452 4.5.3 RecipientRateLimitExceeded; Sender exceeded its recipient rate limit", "RCPT TO"),
      "microsoft-recipient-rate",
    ],
    ["Microsoft submission quota", reply("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", "DATA"), "microsoft-sending-quota"],
    ["Microsoft banned sender", reply("550 5.7.501 Service unavailable. Spam abuse detected from IP range.", "MAIL FROM"), "microsoft-spam-blocked"],
    ["Microsoft IP blocked", reply("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", "GREETING"), "microsoft-ip-blocked"],
    ["Gmail DMARC", reply("550 5.7.26 Unauthenticated email from klant.nl is not accepted due to domain's DMARC policy.", "DATA"), "dmarc-rejected"],
    [
      "Exchange DMARC",
      reply("550 5.7.509 Access denied, sending domain klant.nl does not pass DMARC verification and has a DMARC policy of reject.", "DATA"),
      "dmarc-rejected",
    ],
    ["Postfix reverse DNS", reply("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]", "RCPT TO"), "reverse-dns-missing"],
    [
      "SendGrid sender identity",
      reply("550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.", "MAIL FROM"),
      "sendgrid-sender-identity",
    ],
    ["SendGrid credits", reply("451 Authentication failed: Maximum credits exceeded", "AUTH PLAIN"), "sendgrid-credits-exceeded"],
    [
      "SendGrid API key",
      reply("535 Authentication failed: The provided authorization grant is invalid, expired, or revoked", "AUTH PLAIN"),
      "sendgrid-api-key",
    ],
    ["Brevo IP restriction", reply("525 5.7.1 Unauthorized IP address", "AUTH LOGIN"), "unauthorized-ip"],
    [
      "Postfix sender login maps",
      reply("553 5.7.1 <hr@klant.nl>: Sender address rejected: not owned by user verzuim@klant.nl", "RCPT TO"),
      "postfix-sender-not-owned",
    ],
    ["Postfix too many recipients", reply("452 4.5.3 Error: too many recipients", "RCPT TO"), "too-many-recipients"],
    ["Exchange back pressure", reply("452 4.3.1 Insufficient system resources", "MAIL FROM"), "exchange-insufficient-resources"],
    ["Exchange non-accepted domain", reply("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "RCPT TO"), "relaying-denied"],
    ["greylisting", reply("450 4.2.0 <a@b.nl>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/", "RCPT TO"), "greylisted"],
    ["generic rate limit", reply("450 4.7.0 Rate limit exceeded, slow down", "MAIL FROM"), "rate-limited"],
    ["421", reply("421 4.7.0 Try again later, closing connection."), "service-not-available"],
    ["554 greeting", reply("554 5.7.1 Service unavailable; Client host blocked", "GREETING"), "connection-rejected"],
    ["unknown 4xx", reply("458 4.4.1 Something odd"), "temporary-failure"],
    ["unknown 5xx", reply("599 5.9.9 Something odd"), "rejected"],
  ])("%s → %s", (_name, outcome, id) => {
    expect(explainReply(outcome)?.id).toBe(id);
  });

  it("explains in Dutch first, English second, with something to do", () => {
    const explanation = explainReply(reply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", "AUTH LOGIN"));
    expect(explanation).toMatchObject({ id: "microsoft-smtp-auth-disabled" });
    expect(explanation?.nl).toMatch(/SMTP AUTH/);
    expect(explanation?.action?.nl).toMatch(/OAuth2/);
    expect(explanation?.action?.en).toMatch(/Authenticated SMTP/);
  });

  it("classifies provider throttles as throttled and names their window; greylisting stays a per-message retry", () => {
    expect(classifyReply(reply("454 Throttling failure: Daily message quota exceeded."))).toBe("throttled");
    expect(ceilingHintOf(reply("454 Throttling failure: Daily message quota exceeded."))).toEqual({ window: "DAY", unit: "RECIPIENTS" });
    expect(ceilingHintOf(reply("450 4.7.0 Rate limit exceeded, slow down"))).toBeUndefined();
    expect(classifyReply(reply("450 4.2.0 Recipient address rejected: Greylisted", "RCPT TO"))).toBe("transient");
    expect(classifyReply(reply("550 5.7.26 Unauthenticated email from klant.nl is not accepted due to domain's DMARC policy.", "DATA"))).toBe("permanent");
    expect(classifyReply(reply("535 Authentication failed: The provided authorization grant is invalid, expired, or revoked", "AUTH PLAIN"))).toBe("auth");
  });

  it("says nothing about a success", () => {
    expect(explainReply(reply("250 2.1.0 Sender OK"))).toBeUndefined();
  });

  it("has a unique id, Dutch and English text for every entry", () => {
    expect(new Set(EXPLANATION_IDS).size).toBe(EXPLANATION_IDS.length);
  });
});

describe("Postfix's own replies (as Postfix 3.7 sends them)", () => {
  it.each([
    ["450 4.7.1 Error: too much mail from 127.0.0.1", "MAIL FROM", "postfix-message-rate", "throttled"],
    ["450 4.7.1 Error: too many recipients from 127.0.0.1", "RCPT TO", "postfix-recipient-rate", "throttled"],
    ["452 4.5.3 Error: too many recipients", "RCPT TO", "too-many-recipients", "throttled"],
    ["530 5.7.0 Must issue a STARTTLS command first", "MAIL FROM", "starttls-required", "config"],
  ])("%s is explained as %s", (response, command, id, classification) => {
    expect(explainReply(reply(response, command))?.id).toBe(id);
    expect(classifyReply(reply(response, command))).toBe(classification);
  });
});

describe("what an outcome means for a customer's server", () => {
  it("pauses the server for STARTTLS required at MAIL FROM, but fails only the message for a Send-As refusal there", async () => {
    const { deliveryErrorOutcome, failureEffect } = await import("@/lib/smtp/outcome.ts");
    const starttls = { code: "EENVELOPE", command: "MAIL FROM", ...reply("530 5.7.0 Must issue a STARTTLS command first") };
    expect(failureEffect({ outcome: deliveryErrorOutcome(starttls), error: "", command: "MAIL FROM" })).toBe("pause");
    const sendAs = { code: "EENVELOPE", command: "MAIL FROM", ...reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender") };
    expect(failureEffect({ outcome: deliveryErrorOutcome(sendAs), error: "", command: "MAIL FROM" })).toBe("none");
  });

  it("tells a per-message cap (452 4.5.3 after others were taken) from a recipient rate and from a refusal for good", async () => {
    const { refusalKind } = await import("@/lib/smtp/outcome.ts");
    const refused = (response: string) => ({ code: "EENVELOPE", command: "RCPT TO", ...reply(response) });
    expect(refusalKind(refused("452 4.5.3 Error: too many recipients"), true)).toBe("overflow");
    expect(refusalKind(refused("452 4.5.3 Error: too many recipients"), false)).toBe("throttle");
    expect(refusalKind(refused("450 4.7.1 Error: too many recipients from 127.0.0.1"), true)).toBe("throttle");
    expect(refusalKind(refused("550 5.1.1 <weg@extern.example>: Recipient address rejected: Mailbox unavailable"), true)).toBe("fail");
    expect(refusalKind(refused("450 4.2.2 <vol@extern.example>: Mailbox full"), true)).toBe("retry");
  });
});
