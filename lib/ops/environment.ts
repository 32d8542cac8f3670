import { join } from "node:path";
import { ConfigError, parseConfig, type AppConfig } from "@/lib/config.ts";
import { loadOrCreateLocalSecrets } from "./secrets.ts";

export const DATA_DIR = process.env.POSTKAMER_DATA_DIR ?? join(process.cwd(), ".data");

/**
 * Completes process.env for the process tree that `npm start` launches: secrets that are not
 * configured are generated once and kept under .data/. In production (NODE_ENV=production in
 * the operator's environment) nothing is generated: the secrets must be configured.
 */
export async function loadEnvironment(options: { requireDatabase?: boolean } = {}): Promise<AppConfig> {
  const production = process.env.NODE_ENV === "production";
  const missing = (["AUTH_SECRET", "ENCRYPTION_KEY"] as const).filter((name) => !process.env[name]);
  if (missing.length > 0) {
    if (production) {
      throw new ConfigError(
        `Refusing to start in production without ${missing.join(" and ")}: set them in the environment ` +
          "(AUTH_SECRET: 32+ random characters; ENCRYPTION_KEY: `k1:` followed by 32 random bytes in base64).",
      );
    }
    const { secrets } = await loadOrCreateLocalSecrets(join(DATA_DIR, "secrets.json"));
    for (const name of missing) process.env[name] = secrets[name];
  }
  const config = parseConfig(process.env);
  if (options.requireDatabase && !config.DATABASE_URL) throw new ConfigError("DATABASE_URL is not set");
  return config;
}
