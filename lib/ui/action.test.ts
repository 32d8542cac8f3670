import { describe, expect, it } from "vitest";
import { z } from "zod";
import { translator } from "@/lib/i18n/translate.ts";
import { fieldErrorsOf, formDataToObject } from "./action.ts";
import { email, text } from "./fields.ts";

describe("formDataToObject", () => {
  it("turns repeated fields into arrays and drops Next's own fields", () => {
    const form = new FormData();
    form.append("$ACTION_ID_abc", "");
    form.append("name", "Helpdesk");
    form.append("grant", "a");
    form.append("grant", "b");
    form.append("roles[]", "x");
    expect(formDataToObject(form)).toEqual({ name: "Helpdesk", grant: ["a", "b"], roles: ["x"] });
  });
});

describe("field errors", () => {
  const schema = z.object({ name: text(10), email });

  it("are translated from catalog keys with their variables", () => {
    const result = schema.safeParse({ name: "x".repeat(11), email: "not-an-address" });
    expect(result.success).toBe(false);
    const nl = fieldErrorsOf(result.error!, translator("nl"));
    expect(nl).toEqual({ name: ["Maximaal 10 tekens."], email: ["Dit is geen geldig e-mailadres."] });
    const en = fieldErrorsOf(result.error!, translator("en"));
    expect(en.name).toEqual(["At most 10 characters."]);
  });

  it("refuse line breaks and control characters in names", () => {
    const result = schema.safeParse({ name: "a\r\nBcc: x", email: "a@example.test" });
    expect(fieldErrorsOf(result.error!, translator("nl")).name).toEqual(["Regeleinden en andere stuurtekens zijn niet toegestaan."]);
  });
});
