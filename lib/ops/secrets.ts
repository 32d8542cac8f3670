import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Locally generated secrets for a machine without configuration: kept in .data/secrets.json
 * (mode 0600, git-ignored) so that sessions and encrypted credentials survive a restart.
 */
export type LocalSecrets = { AUTH_SECRET: string; ENCRYPTION_KEY: string; EMBEDDED_PG_PASSWORD: string };

export function newEncryptionKey(id = "k1"): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}

export async function loadOrCreateLocalSecrets(file: string): Promise<{ secrets: LocalSecrets; created: boolean }> {
  let existing: Partial<LocalSecrets> = {};
  try {
    existing = JSON.parse(await readFile(file, "utf8")) as Partial<LocalSecrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secrets: LocalSecrets = {
    AUTH_SECRET: existing.AUTH_SECRET ?? randomBytes(48).toString("base64url"),
    ENCRYPTION_KEY: existing.ENCRYPTION_KEY ?? newEncryptionKey(),
    EMBEDDED_PG_PASSWORD: existing.EMBEDDED_PG_PASSWORD ?? randomBytes(24).toString("base64url"),
  };
  const created = JSON.stringify(existing) !== JSON.stringify(secrets);
  if (created) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { secrets, created };
}
