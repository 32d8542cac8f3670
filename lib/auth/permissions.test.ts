import { describe, expect, it } from "vitest";
import { effectivePermissions, Permission } from "./permissions.ts";

describe("effectivePermissions", () => {
  it("lets Mailservers wijzigen imply Mailservers bekijken", () => {
    expect(effectivePermissions([Permission.MAILSERVERS_EDIT])).toEqual(new Set([Permission.MAILSERVERS_EDIT, Permission.MAILSERVERS_VIEW]));
  });

  it("does not let a view right imply a change right", () => {
    expect(effectivePermissions([Permission.TEMPLATES_VIEW]).has(Permission.TEMPLATES_EDIT)).toBe(false);
  });
});
