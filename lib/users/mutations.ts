import type { Db, Tx } from "@/lib/db/client.ts";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { generatePassword, hashPassword } from "@/lib/auth/password.ts";
import { assertActorKeepsRightsManagement } from "@/lib/rights/mutations.ts";
import { UserError } from "@/lib/ui/errors.ts";

async function roleNames(tx: Tx, roleIds: string[]): Promise<string[]> {
  const roles = await tx.role.findMany({ where: { id: { in: roleIds } }, select: { name: true } });
  if (roles.length !== new Set(roleIds).size) throw new UserError("rights.unknownRole", {}, "roles", 404);
  return roles.map((r) => r.name).sort();
}

/** Creates a user; returns the generated temporary password when none was given. */
export async function createUser(
  prisma: Db,
  actor: Actor,
  input: { email: string; name: string; password?: string; roles: string[] },
): Promise<{ id: string; email: string; generatedPassword?: string }> {
  const generatedPassword = input.password ? undefined : generatePassword();
  const passwordHash = await hashPassword(input.password ?? generatedPassword!);
  return prisma.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email } })) throw new UserError("users.emailTaken", {}, "email");
    const names = await roleNames(tx, input.roles);
    const user = await tx.user.create({
      data: {
        email: input.email,
        name: input.name,
        passwordHash,
        roles: { create: input.roles.map((roleId) => ({ roleId })) },
      },
    });
    await recordAudit(tx, {
      actor,
      action: "user.create",
      entityType: "User",
      entityId: user.id,
      params: { email: user.email },
      after: { email: user.email, name: user.name, roles: names },
    });
    return { id: user.id, email: user.email, generatedPassword };
  });
}

/**
 * A lost password (the operator, from the command line): a new one, generated unless given, and
 * every session signed in before it ends (checkSession compares with passwordChangedAt).
 */
export async function resetPassword(
  prisma: Db,
  actor: Actor,
  input: { email: string; password?: string },
): Promise<{ email: string; generatedPassword?: string }> {
  const generatedPassword = input.password ? undefined : generatePassword();
  const passwordHash = await hashPassword(input.password ?? generatedPassword!);
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.findFirst({ where: { email: { equals: input.email, mode: "insensitive" } } });
    if (!user) throw new UserError("users.unknown", {}, "email", 404);
    // Whole seconds, as sessions record their sign-in time: a sign-in right after the reset stays valid.
    await tx.$executeRaw`UPDATE "User" SET "passwordHash" = ${passwordHash}, "passwordChangedAt" = date_trunc('second', now()), "updatedAt" = now() WHERE id = ${user.id}::uuid`;
    await recordAudit(tx, { actor, action: "user.password.reset", entityType: "User", entityId: user.id, params: { email: user.email } });
    return { email: user.email, generatedPassword };
  });
}

export async function setUserRoles(prisma: Db, actor: Actor, input: { userId: string; roles: string[] }) {
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: input.userId },
      include: { roles: { include: { role: true } } },
    });
    if (!user) throw new UserError("users.unknown", {}, undefined, 404);
    const before = user.roles.map((r) => r.role.name).sort();
    const after = await roleNames(tx, input.roles);
    await tx.userRole.deleteMany({ where: { userId: user.id } });
    await tx.userRole.createMany({ data: input.roles.map((roleId) => ({ userId: user.id, roleId })) });
    await assertActorKeepsRightsManagement(tx, actor);
    if (before.join() !== after.join()) {
      await recordAudit(tx, {
        actor,
        action: "user.roles.update",
        entityType: "User",
        entityId: user.id,
        params: { email: user.email },
        before: { roles: before },
        after: { roles: after },
      });
    }
    return user;
  });
}

export async function setUserActive(prisma: Db, actor: Actor, input: { userId: string; active: boolean }) {
  if (!input.active && input.userId === actor.id) throw new UserError("users.cannotDeactivateSelf");
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId } });
    if (!user) throw new UserError("users.unknown", {}, undefined, 404);
    if (user.active === input.active) return user;
    const updated = await tx.user.update({ where: { id: user.id }, data: { active: input.active } });
    await recordAudit(tx, {
      actor,
      action: input.active ? "user.activate" : "user.deactivate",
      entityType: "User",
      entityId: user.id,
      params: { email: user.email },
      before: { active: user.active },
      after: { active: updated.active },
    });
    return updated;
  });
}
