import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listMigrations, migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/tests/support/scratch-db";

const repositoryMigrations = path.join(process.cwd(), "prisma", "migrations");

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let migrationsCopy: string;

beforeEach(async () => {
  scratch = await createScratchDatabase();
  migrationsCopy = await mkdtemp(path.join(tmpdir(), "postkamer-migrations-"));
  await cp(repositoryMigrations, migrationsCopy, { recursive: true });
});

afterEach(async () => {
  await scratch.drop();
  await rm(migrationsCopy, { recursive: true, force: true });
});

async function query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
  const client = new Client({ connectionString: scratch.url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function repositoryMigrationNames(): Promise<string[]> {
  return (await listMigrations(repositoryMigrations)).map((migration) => migration.name);
}

async function addMigration(name: string, sql: string): Promise<void> {
  await mkdir(path.join(migrationsCopy, name));
  await writeFile(path.join(migrationsCopy, name, "migration.sql"), sql);
}

describe("migrate", () => {
  it("applies every migration to an empty database, in name order", async () => {
    const { applied } = await migrate(scratch.url);

    expect(applied).toEqual(await repositoryMigrationNames());
    expect(applied.length).toBeGreaterThan(0);
  });

  it("records each migration the way Prisma does: a UUID, the SHA-256 of migration.sql, one finished step", async () => {
    await migrate(scratch.url);

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
    }>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    const names = await repositoryMigrationNames();
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const bytes = await readFile(path.join(repositoryMigrations, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
    }
  });

  it("creates _prisma_migrations with exactly Prisma's columns", async () => {
    await migrate(scratch.url);

    const columns = await query(
      `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = '_prisma_migrations'
        ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", length: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", length: 64, is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", length: 255, is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", length: null, is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", length: null, is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", length: null, is_nullable: "NO", column_default: "0" },
    ]);
    const [primaryKey] = await query<{ columns: string }>(
      `SELECT string_agg(a.attname, ',') AS columns
         FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
        WHERE x.indrelid = '"_prisma_migrations"'::regclass AND x.indisprimary`,
    );
    expect(primaryKey?.columns).toBe("id");
  });

  it("applies nothing on a second run", async () => {
    await migrate(scratch.url);

    expect(await migrate(scratch.url)).toEqual({ applied: [] });
    const [count] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(count?.n).toBe((await repositoryMigrationNames()).length);
  });

  it("applies each migration once when two migrators start at the same time", async () => {
    const results = await Promise.all([migrate(scratch.url), migrate(scratch.url)]);

    const appliedByEither = results.flatMap((result) => result.applied).sort();
    expect(appliedByEither).toEqual(await repositoryMigrationNames());
    const duplicates = await query(`SELECT migration_name FROM "_prisma_migrations" GROUP BY migration_name HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
  });

  it("applies a migration added later and leaves the earlier ones alone", async () => {
    await migrate(scratch.url, { migrationsDir: migrationsCopy });
    await addMigration("29991231000000_add_probe", `CREATE TABLE "Probe" ("id" INTEGER PRIMARY KEY);`);

    const { applied } = await migrate(scratch.url, { migrationsDir: migrationsCopy });

    expect(applied).toEqual(["29991231000000_add_probe"]);
    expect(await query(`SELECT * FROM "Probe"`)).toEqual([]);
  });

  it("rolls a failing migration back completely and records nothing for it", async () => {
    await addMigration("29991231000000_broken", `CREATE TABLE "HalfDone" ("id" INTEGER);\nSELECT * FROM "DoesNotExist";`);

    await expect(migrate(scratch.url, { migrationsDir: migrationsCopy })).rejects.toThrow(/29991231000000_broken failed and was rolled back/);

    expect(await query(`SELECT to_regclass('"HalfDone"') AS t`)).toEqual([{ t: null }]);
    const recorded = await query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`);
    expect(recorded).toEqual([]);
  });

  it("refuses to run when an applied migration file has been changed", async () => {
    await migrate(scratch.url, { migrationsDir: migrationsCopy });
    const [first] = await repositoryMigrationNames();
    await appendFile(path.join(migrationsCopy, first!, "migration.sql"), "\n-- edited afterwards\n");

    await expect(migrate(scratch.url, { migrationsDir: migrationsCopy })).rejects.toThrow(`Migration ${first} was modified after it was applied`);
  });

  it("accepts a recorded checksum of the same script with Windows line endings, as Prisma does", async () => {
    await migrate(scratch.url);
    const [first] = await listMigrations(repositoryMigrations);
    const crlfChecksum = createHash("sha256").update(first!.script.replaceAll("\n", "\r\n")).digest("hex");
    await query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [crlfChecksum, first!.name]);

    expect(await migrate(scratch.url)).toEqual({ applied: [] });
  });

  it("refuses to run while an earlier migration is recorded as failed", async () => {
    await migrate(scratch.url);
    await query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '29991231000000_failed', 'boom')`,
    );

    await expect(migrate(scratch.url)).rejects.toThrow("Migration 29991231000000_failed failed earlier and is not resolved");
  });

  it("applies a migration again once its failure is marked rolled back", async () => {
    await migrate(scratch.url, { migrationsDir: migrationsCopy });
    await addMigration("29991231000000_add_probe", `CREATE TABLE "Probe" ("id" INTEGER PRIMARY KEY);`);
    await query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, rolled_back_at)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '29991231000000_add_probe', now())`,
    );

    const { applied } = await migrate(scratch.url, { migrationsDir: migrationsCopy });

    expect(applied).toEqual(["29991231000000_add_probe"]);
  });

  it("refuses to run when the database has applied a migration that is missing from disk", async () => {
    await addMigration("29991231000000_add_probe", `CREATE TABLE "Probe" ("id" INTEGER PRIMARY KEY);`);
    await migrate(scratch.url, { migrationsDir: migrationsCopy });
    await rm(path.join(migrationsCopy, "29991231000000_add_probe"), { recursive: true });

    await expect(migrate(scratch.url, { migrationsDir: migrationsCopy })).rejects.toThrow(
      "Migration 29991231000000_add_probe is recorded as applied in the database but is missing",
    );
  });
});
