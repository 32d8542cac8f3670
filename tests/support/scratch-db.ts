// A throwaway database on the same server as the per-run test database, for tests that must
// start from nothing (the migrator) or change the schema (drift checks) without disturbing
// the shared one.
import { randomBytes } from "node:crypto";
import { Client } from "pg";

export async function createScratchDatabase(baseUrl = process.env.DATABASE_URL!): Promise<{ url: string; drop(): Promise<void> }> {
  if (!baseUrl) throw new Error("createScratchDatabase needs DATABASE_URL (or a base URL)");
  const name = `pk_scratch_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await onMaintenanceDatabase(baseUrl, (client) => client.query(`CREATE DATABASE "${name}"`));

  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onMaintenanceDatabase(baseUrl, (client) =>
        // FORCE ends sessions a failed test may have left open (PostgreSQL 13+).
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ),
  };
}

// CREATE/DROP DATABASE cannot run while connected to the database concerned, so they go
// through the server's `postgres` database.
async function onMaintenanceDatabase(baseUrl: string, run: (client: Client) => Promise<unknown>): Promise<void> {
  const url = new URL(baseUrl);
  url.pathname = "/postgres";
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}
