import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/ops/embedded-db.ts";

export type TestDatabase = { url: string; description: string; dispose(): Promise<void> };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * One database per test run: a new database on DATABASE_URL's server when that is set, else a
 * throwaway embedded PostgreSQL. Either way it is removed again by dispose().
 */
export async function provisionTestDatabase(): Promise<TestDatabase> {
  const name = `postkamer_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const base = process.env.DATABASE_URL;
  if (base) {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      description: `database ${name} on ${url.host}`,
      async dispose() {
        const client = new pg.Client({ connectionString: base });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  // Under the system temp dir, readable by the `postgres` user the server runs as.
  const parent = await mkdtemp(join(tmpdir(), "postkamer-test-"));
  await chmod(parent, 0o755);
  const dataDir = join(parent, "pg");
  const port = await freePort();
  const embedded = await startEmbeddedPostgres({ dataDir, port, password: randomBytes(12).toString("hex"), database: "postkamer_test" });
  return {
    url: embedded.url,
    description: `embedded PostgreSQL on 127.0.0.1:${port}`,
    async dispose() {
      await embedded.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
