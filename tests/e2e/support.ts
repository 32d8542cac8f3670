import { expect, type Page } from "@playwright/test";
import { createDb, type Db } from "@/lib/db/client.ts";
import { seed } from "@/lib/ops/seed.ts";
import { createUser } from "@/lib/users/mutations.ts";

export const ADMIN = { email: "beheerder@example.test", password: "beheerder-wachtwoord-1" };
export const HELPDESK = { email: "helpdesk@example.test", password: "helpdesk-wachtwoord-1" };

let prisma: Db | undefined;

export function db(): Db {
  prisma ??= createDb(process.env.DATABASE_URL!, 2);
  return prisma;
}

/** An empty application database with the seeded roles, one administrator and one helpdesk user. */
export async function resetWithUsers(): Promise<void> {
  const tables = await db().$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
  await db().$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"public"."${t.tablename}"`).join(", ")} CASCADE`);
  await seed(db(), { adminEmail: ADMIN.email, adminPassword: ADMIN.password });
  const helpdesk = await db().role.findUniqueOrThrow({ where: { name: "Helpdesk" } });
  await createUser(db(), { id: null, label: "test" }, { email: HELPDESK.email, name: "Hanna Helpdesk", password: HELPDESK.password, roles: [helpdesk.id] });
}

export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mailadres").fill(user.email);
  await page.getByLabel("Wachtwoord").fill(user.password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}
