import { describe, expect, it } from "vitest";
import { switchType, valuesFromPreset, type ServerFormValues } from "./form-values.ts";

const limitsOf = (values: ServerFormValues) => values.limits.map((row) => `${row.count}/${row.size}/${row.window}/${row.unit}`);

describe("switching the server type in the form", () => {
  it("starts Microsoft 365 on OAuth2", () => {
    expect(valuesFromPreset("MICROSOFT_365")).toMatchObject({ authMethod: "OAUTH2", host: "smtp.office365.com", port: "587", tlsMode: "STARTTLS" });
  });

  it("leaves nothing of SendGrid's preset behind: the user name 'apikey' goes, the new provider's host and limits come", () => {
    const sendgrid = valuesFromPreset("SENDGRID");
    expect(sendgrid.username).toBe("apikey");
    const brevo = switchType(sendgrid, "BREVO");
    expect(brevo).toMatchObject({ type: "BREVO", username: "", host: "smtp-relay.brevo.com", authMethod: "PASSWORD" });
    expect(limitsOf(brevo)).toEqual(["300/1/DAY/RECIPIENTS"]);
    // And back: the preset's literal user name returns, Brevo's limit leaves.
    const back = switchType(brevo, "SENDGRID");
    expect(back).toMatchObject({ username: "apikey", host: "smtp.sendgrid.net" });
    expect(limitsOf(back)).toEqual([]);
  });

  it("replaces every value still equal to the previous preset: host, port, TLS, authentication, recipient cap and limits", () => {
    const google = switchType(valuesFromPreset("MICROSOFT_365"), "GOOGLE_WORKSPACE");
    // Microsoft's preset is OAuth2, Google's mailbox preset an app password.
    expect(google).toMatchObject({ host: "smtp.gmail.com", port: "587", tlsMode: "STARTTLS", authMethod: "PASSWORD", maxRecipientsPerMessage: "100" });
    expect(limitsOf(google)).toEqual(["2000/1/DAY/MESSAGES", "10000/1/DAY/RECIPIENTS"]);
    const generic = switchType(google, "GENERIC");
    expect(generic).toMatchObject({ host: "", authMethod: "PASSWORD", maxRecipientsPerMessage: "", region: "" });
    expect(generic.limits).toEqual([]);
  });

  it("keeps what the administrator typed: a user name, a changed port, a changed limit, an extra limit", () => {
    const typed: ServerFormValues = {
      ...valuesFromPreset("MICROSOFT_365"),
      name: "Uitgaande mail",
      username: "verzuim@klant.example",
      port: "25",
      maxRecipientsPerMessage: "50",
    };
    typed.limits = [{ ...typed.limits[0]!, count: "25" }, typed.limits[1]!, { key: 999, count: "5", size: "1", window: "SECOND", unit: "MESSAGES" }];
    const ses = switchType(typed, "AMAZON_SES");
    expect(ses).toMatchObject({
      name: "Uitgaande mail",
      username: "verzuim@klant.example",
      port: "25",
      maxRecipientsPerMessage: "50",
      host: "email-smtp.eu-west-1.amazonaws.com",
      region: "eu-west-1",
      // OAuth2 was the preset's, and Amazon SES has no OAuth2.
      authMethod: "PASSWORD",
    });
    // The untouched 10,000/day went with Microsoft's preset; SES's 1/second gives way to the typed 5/second.
    expect(limitsOf(ses)).toEqual(["200/1/DAY/RECIPIENTS", "25/1/MINUTE/MESSAGES", "5/1/SECOND/MESSAGES"]);
  });

  it("keeps a typed host, and a password chosen on purpose where the new type offers it", () => {
    const own = { ...valuesFromPreset("GENERIC"), host: "mail.klant.example", authMethod: "NONE" as const };
    expect(switchType(own, "GOOGLE_RELAY")).toMatchObject({ host: "mail.klant.example", authMethod: "NONE" });
    const password = { ...valuesFromPreset("MICROSOFT_365"), authMethod: "PASSWORD" as const };
    expect(switchType(password, "GOOGLE_WORKSPACE").authMethod).toBe("PASSWORD");
  });

  it("keeps the Amazon SES region only while the type is Amazon SES", () => {
    const frankfurt = { ...valuesFromPreset("AMAZON_SES"), region: "eu-central-1", host: "email-smtp.eu-central-1.amazonaws.com" };
    expect(switchType(frankfurt, "SENDGRID")).toMatchObject({ region: "", host: "smtp.sendgrid.net" });
  });
});
