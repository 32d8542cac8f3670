import { describe, expect, it } from "vitest";
import { maskSecrets } from "./record.ts";

describe("maskSecrets", () => {
  it("masks secret-looking fields at any depth and keeps the rest", () => {
    expect(
      maskSecrets({ host: "smtp.example.test", password: "hunter2hunter2", auth: { user: "a", clientSecret: "s3cr3t" }, list: [{ apiKey: "k" }] }),
    ).toEqual({ host: "smtp.example.test", password: "••••", auth: { user: "a", clientSecret: "••••" }, list: [{ apiKey: "••••" }] });
  });

  it("shows that a secret was absent rather than masking nothing", () => {
    expect(maskSecrets({ password: null })).toEqual({ password: null });
  });
});
