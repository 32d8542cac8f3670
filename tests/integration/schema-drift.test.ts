import { readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findSchemaDrift } from "@/lib/db/drift";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/tests/support/scratch-db";

const schema = readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");

/**
 * The schema with one edit. Patterns ignore column alignment so routine schema work does not
 * break these tests, and a pattern that no longer matches fails loudly instead of passing vacuously.
 */
function schemaWith(pattern: RegExp, replacement: string, text = schema): string {
  expect(text).toMatch(pattern);
  return text.replace(pattern, replacement);
}

describe("the migrated test database", () => {
  it("has no drift against prisma/schema.prisma", async () => {
    expect(await findSchemaDrift(process.env.DATABASE_URL!)).toEqual([]);
  });
});

describe("findSchemaDrift, when the schema changes without a migration", () => {
  const databaseUrl = () => process.env.DATABASE_URL!;

  it("reports a column added to a model", async () => {
    const edited = schemaWith(/model User \{\n/, "model User {\n  nickname String\n");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual(['column "User"."nickname" is missing from the database']);
  });

  it("reports an @@index removed from a model", async () => {
    const edited = schemaWith(/\n\s*@@index\(\[roleId\]\)/, "");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual([
      'index "UserRole_roleId_idx" on "UserRole" (roleId) exists in the database but not in the schema',
    ]);
  });

  it("reports an index whose sort order changed", async () => {
    const edited = schemaWith(/@@index\(\[at\(sort: Desc\), id\(sort: Desc\)\]\)/, "@@index([at, id(sort: Desc)])");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual([
      'index on "AuditEntry" (at, id DESC) is missing from the database',
      'index "AuditEntry_at_id_idx" on "AuditEntry" (at DESC, id DESC) exists in the database but not in the schema',
    ]);
  });

  it("reports a field that became @unique", async () => {
    const edited = schemaWith(/(\n\s+prefix\s+String)\n/, "$1 @unique\n");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual(['unique index on "ApiKey" (prefix) is missing from the database']);
  });

  it("reports a changed column type", async () => {
    const edited = schemaWith(/(\n\s+failures\s+)Int/, "$1BigInt");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual([
      'column "LoginThrottle"."failures" has type integer in the database, the schema expects bigint',
    ]);
  });

  it("reports a field that became optional", async () => {
    const edited = schemaWith(/(\n\s+actorLabel\s+String)\n/, "$1?\n");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual(['column "AuditEntry"."actorLabel" is NOT NULL in the database, the schema says optional']);
  });

  it("reports an enum value added to the schema", async () => {
    const edited = schemaWith(/enum Permission \{\n/, "enum Permission {\n  SENDERS_EDIT\n");

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual(['enum "Permission" lacks value "SENDERS_EDIT" in the database']);
  });

  it("reports a new model as a missing table", async () => {
    const edited = `${schema}\nmodel Probe {\n  id Int @id\n}\n`;

    expect(await findSchemaDrift(databaseUrl(), edited)).toEqual(['table "Probe" is missing from the database']);
  });
});

describe("findSchemaDrift, when the database changes without a migration", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeEach(async () => {
    scratch = await createScratchDatabase();
    await migrate(scratch.url);
  });

  afterEach(async () => {
    await scratch.drop();
  });

  async function execute(sql: string): Promise<void> {
    const client = new Client({ connectionString: scratch.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it("reports a column added by SQL", async () => {
    await execute(`ALTER TABLE "User" ADD COLUMN "note" TEXT`);

    expect(await findSchemaDrift(scratch.url)).toEqual(['column "User"."note" exists in the database but not in the schema']);
  });

  it("reports a nullability change", async () => {
    await execute(`ALTER TABLE "User" ALTER COLUMN "lastLoginAt" SET NOT NULL`);

    expect(await findSchemaDrift(scratch.url)).toEqual(['column "User"."lastLoginAt" is NOT NULL in the database, the schema says optional']);
  });

  it("reports a table and an enum the schema does not know", async () => {
    await execute(`CREATE TYPE "Mood" AS ENUM ('calm'); CREATE TABLE "Stray" ("id" INTEGER)`);

    expect(await findSchemaDrift(scratch.url)).toEqual([
      'enum "Mood" exists in the database but not in the schema',
      'table "Stray" exists in the database but not in the schema',
    ]);
  });

  it("ignores Prisma's bookkeeping table and other schemas such as pg-boss's", async () => {
    await execute(`CREATE SCHEMA pgboss; CREATE TABLE pgboss.job ("id" UUID PRIMARY KEY)`);

    expect(await findSchemaDrift(scratch.url)).toEqual([]);
  });

  it("follows @map and @@map to the names in the database", async () => {
    await execute(
      `ALTER TABLE "Role" RENAME TO "roles";
       ALTER TABLE "roles" RENAME COLUMN "builtIn" TO "built_in"`,
    );
    const mappedColumn = schemaWith(/(\n\s+builtIn\s+Boolean[^\n]*)/, '$1 @map("built_in")');
    const edited = schemaWith(/model Role \{\n/, 'model Role {\n  @@map("roles")\n', mappedColumn);

    expect(await findSchemaDrift(scratch.url, edited)).toEqual([]);
  });
});
