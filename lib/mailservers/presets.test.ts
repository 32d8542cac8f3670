import { describe, expect, it } from "vitest";
import { presetFor, SERVER_TYPE_IDS, SERVER_TYPES, SES_REGIONS, WINDOW_SECONDS } from "@/lib/mailservers/presets.ts";

describe("server type presets", () => {
  it("pre-fills Microsoft 365 with smtp.office365.com:587 STARTTLS, OAuth2 (basic SMTP AUTH is being switched off) and both of its limits", () => {
    expect(presetFor("MICROSOFT_365")).toEqual({
      type: "MICROSOFT_365",
      host: "smtp.office365.com",
      port: 587,
      tlsMode: "STARTTLS",
      authMethod: "OAUTH2",
      username: "",
      limits: [
        { count: 30, window: "MINUTE", unit: "MESSAGES" },
        { count: 10_000, window: "DAY", unit: "RECIPIENTS" },
      ],
      maxRecipientsPerMessage: 500,
    });
  });

  it("builds the Amazon SES host from the region, defaulting to eu-west-1", () => {
    expect(presetFor("AMAZON_SES")).toMatchObject({ host: "email-smtp.eu-west-1.amazonaws.com", region: "eu-west-1" });
    expect(presetFor("AMAZON_SES", { region: "eu-central-1" }).host).toBe("email-smtp.eu-central-1.amazonaws.com");
    expect(() => presetFor("AMAZON_SES", { region: "mars-north-1" })).toThrow(RangeError);
    expect(SERVER_TYPES.AMAZON_SES.regions).toBe(SES_REGIONS);
  });

  it("pre-fills SendGrid's literal user name and leaves generic SMTP empty", () => {
    expect(presetFor("SENDGRID")).toMatchObject({ host: "smtp.sendgrid.net", username: "apikey", limits: [] });
    expect(presetFor("GENERIC")).toMatchObject({ host: "", limits: [], maxRecipientsPerMessage: null });
  });

  it("returns a copy, so editing the form never changes the preset", () => {
    const values = presetFor("GOOGLE_WORKSPACE");
    values.limits[0]!.count = 1;
    values.limits.push({ count: 5, window: "SECOND", unit: "MESSAGES" });
    expect(presetFor("GOOGLE_WORKSPACE").limits).toEqual([
      { count: 2_000, window: "DAY", unit: "MESSAGES" },
      { count: 10_000, window: "DAY", unit: "RECIPIENTS" },
    ]);
  });

  it.each(SERVER_TYPE_IDS)("%s has labels, a source without URLs, a date and sane limits", (id) => {
    const type = SERVER_TYPES[id];
    expect(type.id).toBe(id);
    expect(type.label.nl).not.toBe("");
    expect(type.label.en).not.toBe("");
    expect(type.source).not.toMatch(/https?:|www\./);
    expect(type.publishedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const keys = type.limits.map((limit) => `${limit.window}/${limit.unit}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const limit of type.limits) {
      expect(Number.isInteger(limit.count) && limit.count > 0).toBe(true);
      expect(WINDOW_SECONDS[limit.window]).toBeGreaterThan(0);
    }
  });

  it("measures windows in seconds, DAY being a rolling 24 hours", () => {
    expect(WINDOW_SECONDS).toEqual({ SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86_400 });
  });
});
