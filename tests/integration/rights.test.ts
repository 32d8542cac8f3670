import { beforeEach, describe, expect, it } from "vitest";
import { createApiKey, authenticateApiKey, revokeApiKey } from "@/lib/apikeys/mutations.ts";
import { loadCurrentUser } from "@/lib/auth/users.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { seed } from "@/lib/ops/seed.ts";
import { createRole, saveRoleMatrix } from "@/lib/rights/mutations.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { createUser, setUserActive, setUserRoles } from "@/lib/users/mutations.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const serialize = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

async function setup() {
  await resetDatabase();
  await seed(testDb(), { adminEmail: "admin@example.test", adminPassword: "admin-password-123" });
  const admin = await testDb().user.findUniqueOrThrow({ where: { email: "admin@example.test" } });
  const roles = Object.fromEntries((await testDb().role.findMany()).map((role) => [role.name, role.id])) as Record<string, string>;
  return { admin, actor: { id: admin.id, label: admin.email }, roles };
}

describe("seeding", () => {
  beforeEach(() => resetDatabase());

  it("creates Beheerder with every right and Helpdesk with only the view rights, and one administrator", async () => {
    const first = await seed(testDb(), { adminEmail: "Admin@Example.test" });
    expect(first.createdAdmin?.email).toBe("admin@example.test");
    expect(first.createdAdmin?.generatedPassword).toHaveLength(20);
    const helpdesk = await testDb().role.findUniqueOrThrow({ where: { name: "Helpdesk" }, include: { permissions: true } });
    expect(helpdesk.permissions.map((p) => p.permission).sort()).toEqual(["LOG_DETAILS_VIEW", "MAILSERVERS_VIEW", "TEMPLATES_VIEW"]);
    const admin = await testDb().user.findUniqueOrThrow({ where: { email: "admin@example.test" } });
    expect((await loadCurrentUser(testDb(), admin.id))?.permissions.size).toBe(7);
  });

  it("creates nothing new the second time and prints no credentials again", async () => {
    await seed(testDb());
    expect(await seed(testDb())).toEqual({});
    expect(await testDb().user.count()).toBe(1);
    expect(await testDb().role.count()).toBe(2);
  });
});

describe("the rights matrix", () => {
  it("replaces the permissions of the listed roles and records before and after", async () => {
    const { actor, roles } = await setup();
    const adminGrants = Object.values(Permission).map((permission) => ({ roleId: roles.Beheerder!, permission }));
    await saveRoleMatrix(testDb(), actor, {
      roles: [roles.Beheerder!, roles.Helpdesk!],
      grant: [...adminGrants, { roleId: roles.Helpdesk!, permission: Permission.AUDIT_VIEW }],
    });
    const helpdesk = await testDb().rolePermission.findMany({ where: { roleId: roles.Helpdesk! } });
    expect(helpdesk.map((p) => p.permission)).toEqual(["AUDIT_VIEW"]);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "role.permissions.update" } });
    expect(audit).toMatchObject({
      actorLabel: "admin@example.test",
      before: { permissions: ["LOG_DETAILS_VIEW", "MAILSERVERS_VIEW", "TEMPLATES_VIEW"] },
      after: { permissions: ["AUDIT_VIEW"] },
    });
  });

  it("refuses to take away the administrator's own last 'Autorisaties beheren' and changes nothing", async () => {
    const { actor, roles } = await setup();
    const before = await testDb().rolePermission.count();
    await expect(saveRoleMatrix(testDb(), actor, { roles: [roles.Beheerder!], grant: [] })).rejects.toThrow(UserError);
    expect(await testDb().rolePermission.count()).toBe(before);
    expect(await testDb().auditEntry.count({ where: { action: "role.permissions.update" } })).toBe(0);
  });

  it("refuses a duplicate role name, whatever its case", async () => {
    const { actor } = await setup();
    await expect(createRole(testDb(), actor, { name: "helpdesk" })).rejects.toMatchObject({ messageKey: "rights.roleExists" });
  });
});

describe("users", () => {
  it("creates a user with a generated password when none is given", async () => {
    const { actor, roles } = await setup();
    const created = await createUser(testDb(), actor, { email: "bob@example.test", name: "Bob", roles: [roles.Helpdesk!] });
    expect(created.generatedPassword).toMatch(/^[a-zA-Z2-9]{20}$/);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "user.create", entityId: created.id } });
    expect(serialize(audit)).not.toContain(created.generatedPassword!);
  });

  it("refuses a taken e-mail address", async () => {
    const { actor } = await setup();
    await expect(createUser(testDb(), actor, { email: "admin@example.test", name: "X", roles: [] })).rejects.toMatchObject({
      messageKey: "users.emailTaken",
      field: "email",
    });
  });

  it("does not let administrators remove their own last administrator role", async () => {
    const { actor, admin, roles } = await setup();
    await expect(setUserRoles(testDb(), actor, { userId: admin.id, roles: [roles.Helpdesk!] })).rejects.toMatchObject({
      messageKey: "rights.lastAdmin",
    });
    expect(await testDb().userRole.findMany({ where: { userId: admin.id } })).toEqual([{ userId: admin.id, roleId: roles.Beheerder }]);
  });

  it("does not let administrators deactivate themselves, but deactivates others, who then lose their session rights", async () => {
    const { actor, admin, roles } = await setup();
    await expect(setUserActive(testDb(), actor, { userId: admin.id, active: false })).rejects.toMatchObject({
      messageKey: "users.cannotDeactivateSelf",
    });
    const bob = await createUser(testDb(), actor, { email: "bob@example.test", name: "Bob", password: "bob-password-1234", roles: [roles.Helpdesk!] });
    await setUserActive(testDb(), actor, { userId: bob.id, active: false });
    expect(await loadCurrentUser(testDb(), bob.id)).toBeNull();
  });
});

describe("API keys", () => {
  it("stores only a hash, authenticates the Bearer key and refuses it once revoked", async () => {
    const { actor } = await setup();
    const { key, id } = await createApiKey(testDb(), actor, { name: "Verzuimapplicatie" });
    expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    const stored = await testDb().apiKey.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect((await authenticateApiKey(testDb(), `Bearer ${key}`))?.id).toBe(id);
    expect(await authenticateApiKey(testDb(), `Bearer ${key}x`)).toBeNull();
    expect(await authenticateApiKey(testDb(), null)).toBeNull();
    await revokeApiKey(testDb(), actor, { id });
    expect(await authenticateApiKey(testDb(), `Bearer ${key}`)).toBeNull();
    const audit = await testDb().auditEntry.findMany({ where: { entityId: id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["apikey.create", "apikey.revoke"]);
    expect(serialize(audit)).not.toContain(key);
  });
});
