// Postkamer's migrator. Prisma 7's schema engine is a native binary we cannot ship, so this
// applies prisma/migrations the way `prisma migrate deploy` would and keeps `_prisma_migrations`
// in Prisma's format, so `prisma migrate status` and this migrator can take turns on one database.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "pg";

// Prisma's own advisory-lock key: holding it keeps `prisma migrate` out too, not only other
// instances of this migrator.
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export type MigrationFile = { name: string; script: string; checksum: string };

type MigrateOptions = { migrationsDir?: string; log?: (line: string) => void };

type RecordedMigration = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const migrationsDir = options.migrationsDir ?? path.join(process.cwd(), "prisma", "migrations");
  const log = options.log ?? (() => {});
  const migrations = await listMigrations(migrationsDir);

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireMigrationLock(client, log);
    await createMigrationsTable(client);
    const recorded = await readRecordedMigrations(client);
    const pending = findPendingMigrations(migrations, recorded);
    for (const migration of pending) {
      log(`Applying migration ${migration.name}`);
      await applyMigration(client, migration);
    }
    log(pending.length === 0 ? "No pending migrations" : `Applied ${pending.length} migration(s)`);
    return { applied: pending.map((migration) => migration.name) };
  } finally {
    // Closing the session releases the advisory lock as well; the explicit unlock just makes
    // the release independent of how quickly the server notices the disconnect.
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** The migration directories under `dir`, in the order Prisma applies them (by name). */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(names.map((name) => readMigration(dir, name)));
}

async function readMigration(dir: string, name: string): Promise<MigrationFile> {
  const file = path.join(dir, name, "migration.sql");
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Migration ${name} has no readable migration.sql (${error.code ?? error.message})`);
  });
  return { name, script: bytes.toString("utf8"), checksum: sha256Hex(bytes) };
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Prisma's schema engine (schema-connector/src/checksum.rs) also accepts the script with its
 * line endings converted either way, because git may check files out with CRLF on Windows.
 */
function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => sha256Hex(variant) === checksum);
}

async function acquireMigrationLock(client: Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [PRISMA_MIGRATE_LOCK_KEY]);
  if (rows[0]?.locked) return;
  log("Another migrator holds the migration lock; waiting for it to finish");
  await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
}

// Same definition as Prisma's schema engine creates for PostgreSQL.
async function createMigrationsTable(client: Client): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum"            VARCHAR(64) NOT NULL,
      "finished_at"         TIMESTAMPTZ,
      "migration_name"      VARCHAR(255) NOT NULL,
      "logs"                TEXT,
      "rolled_back_at"      TIMESTAMPTZ,
      "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
}

async function readRecordedMigrations(client: Client): Promise<RecordedMigration[]> {
  const { rows } = await client.query<RecordedMigration>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return rows;
}

/**
 * Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count, so such a
 * migration is applied again. Anything else that does not match the files is refused: a
 * database that has drifted from the repository needs a person, not a retry.
 */
function findPendingMigrations(migrations: MigrationFile[], recorded: RecordedMigration[]): MigrationFile[] {
  const live = recorded.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null);
  if (failed.length > 0) {
    const names = failed.map((row) => row.migration_name).join(", ");
    throw new Error(
      `Migration ${names} failed earlier and is not resolved. Repair the database, then run ` +
        "`prisma migrate resolve --rolled-back <name>` (or --applied) before migrating again.",
    );
  }

  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of live) {
    const migration = byName.get(row.migration_name);
    if (!migration) {
      throw new Error(`Migration ${row.migration_name} is recorded as applied in the database but is missing ` + "from the migrations directory.");
    }
    if (!scriptMatchesChecksum(migration.script, row.checksum)) {
      throw new Error(
        `Migration ${row.migration_name} was modified after it was applied (checksum ` +
          `${migration.checksum} on disk, ${row.checksum} in the database). Add a new migration instead.`,
      );
    }
  }

  const applied = new Set(live.map((row) => row.migration_name));
  return migrations.filter((migration) => !applied.has(migration.name));
}

/**
 * The script and its `_prisma_migrations` row commit together, so a failure leaves neither
 * behind and the next run simply retries. (Prisma itself runs scripts without a transaction
 * and records the failure instead; that is why statements that refuse to run in a transaction,
 * such as CREATE INDEX CONCURRENTLY, cannot be used in our migrations.)
 */
async function applyMigration(client: Client, migration: MigrationFile): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.script);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${reason}`, {
      cause: error,
    });
  }
}
