import { createDb, type Db } from "@/lib/db/client.ts";

let shared: Db | undefined;

/** The run's database (tests/run.ts migrates it and sets DATABASE_URL). */
export function testDb(): Db {
  if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set: run the tests with `npm test`");
  shared ??= createDb(process.env.DATABASE_URL, 4);
  return shared;
}

/** Empties every application table; the migrations table and pg-boss's schema stay. */
export async function resetDatabase(prisma: Db = testDb()): Promise<void> {
  const tables = await prisma.$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
  if (tables.length === 0) return;
  // A worker running in the test process may still be draining the previous test's mail.
  for (let attempt = 1; ; attempt++) {
    try {
      await prisma.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"public"."${t.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
      return;
    } catch (error) {
      if (attempt >= 5 || !/deadlock|40P01/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
