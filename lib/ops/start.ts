/**
 * `npm start`: everything Postkamer needs on one machine, in one command.
 *  1. configuration and locally kept secrets (lib/ops/environment.ts);
 *  2. without DATABASE_URL an embedded PostgreSQL under .data/postgres;
 *  3. migrations and seed (the first administrator's credentials are printed once, at the end);
 *  4. `next build` when the sources changed since the last build;
 *  5. the web app and the worker as supervised child processes (lib/ops/supervisor.ts): one that
 *     dies is started again, the other keeps running. PORT is checked before anything starts (a
 *     taken port would make every start of the web app fail), and a web app that dies within
 *     seconds of its start five times in a row is given up on: Postkamer stops with status 1;
 *  6. on SIGTERM, SIGINT (Ctrl-C) or SIGHUP: the web app, the worker, the mail catcher and the
 *     embedded PostgreSQL are stopped in that order, and one line says that Postkamer has stopped.
 *
 * The package.json script runs this file with `exec node --import tsx`, so that npm's own child
 * is this process: npm forwards SIGTERM and SIGINT to its child, and a shell or the tsx wrapper
 * in between would not pass them on. The children run in their own process groups, so a Ctrl-C
 * in the terminal reaches only npm and this process, which decides the order.
 */
import { join } from "node:path";
import { createDb } from "@/lib/db/client.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { startMailCatcher, type MailCatcher } from "@/lib/mailcatcher/catcher.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-db.ts";
import { DATA_DIR, loadEnvironment } from "./environment.ts";
import { ensurePortFree } from "./port.ts";
import { ensureBuild, type Env, spawnWeb, spawnWorker, waitForHttp } from "./processes.ts";
import { loadOrCreateLocalSecrets } from "./secrets.ts";
import { firstAdministratorNotice, seed, seedDemoServer } from "./seed.ts";
import { SUPERVISOR_STATE_ENV } from "./supervisor-state.ts";
import { createSupervisor, type Supervisor } from "./supervisor.ts";

const dev = process.argv.includes("--dev");
// SIGHUP too: the children are in their own groups, so a closed terminal would otherwise leave them running.
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
// The worker lets running jobs finish for up to 20 s (lib/ops/jobs.ts) before it stops.
const GRACE_MS = { web: 10_000, worker: 25_000 };
/** Quick exits of the web app in a row (lib/ops/supervisor.ts) after which Postkamer stops instead of trying for ever. */
const WEB_GIVE_UP_AFTER = 5;

let embedded: EmbeddedDatabase | undefined;
let catcher: MailCatcher | undefined;
let supervisor: Supervisor | undefined;
const startup = new AbortController();
let stopped: Promise<void> | undefined;
let exitCode = 0;

function shutdown(code: number): Promise<void> {
  if (!stopped) {
    exitCode = code;
    stopped = stopEverything();
  }
  return stopped.then(() => process.exit(exitCode));
}

async function stopEverything(): Promise<void> {
  console.log("\nPostkamer stopt…");
  startup.abort();
  await supervisor?.stop(["web", "worker"]);
  await catcher?.stop().catch(() => {});
  await embedded?.stop().catch((error: unknown) => console.error(`Ingebouwde PostgreSQL niet netjes gestopt: ${(error as Error).message}`));
  console.log("Postkamer is gestopt.");
}

async function startDatabase(databaseUrl: string | undefined): Promise<string> {
  if (databaseUrl) return databaseUrl;
  const { secrets } = await loadOrCreateLocalSecrets(join(DATA_DIR, "secrets.json"));
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  console.log(`Geen DATABASE_URL: ingebouwde PostgreSQL start op 127.0.0.1:${port} (data in ${join(DATA_DIR, "postgres")})`);
  embedded = await startEmbeddedPostgres({
    dataDir: join(DATA_DIR, "postgres"),
    port,
    password: secrets.EMBEDDED_PG_PASSWORD,
    database: "postkamer",
    log: (line) => console.log(line),
  });
  return embedded.url;
}

/** Trial mode: every outgoing mail lands in a local inbox instead of with real recipients. Returns the children's extra environment. */
async function startTrialMailCatcher(prisma: ReturnType<typeof createDb>): Promise<Env> {
  catcher = await startMailCatcher({
    smtpPort: Number(process.env.MAILCATCHER_SMTP_PORT ?? 1025),
    webPort: Number(process.env.MAILCATCHER_WEB_PORT ?? 1080),
  });
  await seedDemoServer(prisma, catcher.smtpPort);
  return {
    MAILCATCHER_API_URL: catcher.apiUrl,
    MAILCATCHER_API_AUTH: catcher.apiAuth,
    PLATFORM_SMTP_URL: process.env.PLATFORM_SMTP_URL ?? `smtp://127.0.0.1:${catcher.smtpPort}`,
    ALLOW_PRIVATE_SMTP_HOSTS: process.env.ALLOW_PRIVATE_SMTP_HOSTS ?? "1",
  };
}

function startChildren(options: { port: number; env: Env; distDir: string }): void {
  // Without the web app there is nothing to serve: one that can never start stops Postkamer with status 1.
  supervisor = createSupervisor({ log: (line) => console.error(line), onGiveUp: () => void shutdown(1) });
  const env = { ...options.env, [SUPERVISOR_STATE_ENV]: supervisor.stateFile };
  const web = () => spawnWeb({ port: options.port, env, dev, distDir: options.distDir, ownProcessGroup: true });
  supervisor.supervise("web", web, GRACE_MS.web, WEB_GIVE_UP_AFTER);
  // WORKER_IN_PROCESS=1: the web process runs the worker itself (instrumentation.ts).
  if (process.env.WORKER_IN_PROCESS !== "1") supervisor.supervise("worker", () => spawnWorker({ env, ownProcessGroup: true }), GRACE_MS.worker);
}

async function main() {
  for (const signal of STOP_SIGNALS) process.on(signal, () => void shutdown(0));
  const config = await loadEnvironment();
  // Before anything starts, so that a taken port leaves nothing to stop; on HOST when the web app listens there.
  const webHost = process.env.HOST?.trim() || undefined;
  await ensurePortFree(config.PORT, { host: webHost });
  const databaseUrl = await startDatabase(config.DATABASE_URL);

  // One line, not one per migration: the start-up output should stay short enough to read.
  const { applied } = await migrate(databaseUrl);
  if (applied.length) console.log(`Database bijgewerkt: ${applied.length} ${applied.length === 1 ? "migratie" : "migraties"} toegepast.`);
  const prisma = createDb(databaseUrl, 2);
  const { createdAdmin } = await seed(prisma, { adminEmail: config.ADMIN_EMAIL, adminPassword: config.ADMIN_PASSWORD });
  const catcherEnv = embedded ? await startTrialMailCatcher(prisma) : {};
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
  if (!dev) await ensureBuild(process.cwd(), distDir, console.log, startup.signal);
  if (stopped) return;
  // Again: the build may have taken minutes.
  await ensurePortFree(config.PORT, { host: webHost });
  if (stopped) return;
  startChildren({ port: config.PORT, env, distDir });

  // Printed once the web app answers, so that nothing it prints while starting buries these lines.
  await waitForHttp(`http://${webHost && webHost !== "0.0.0.0" && webHost !== "::" ? webHost : "127.0.0.1"}:${config.PORT}/api/health`, 120_000).catch(
    () => {},
  );
  if (stopped) return;
  console.log(readyNotice({ url, trial: Boolean(catcher), createdAdmin }).join("\n"));
}

/** The block that ends the start-up output: where Postkamer is, how to sign in, what to do when the password is lost. */
function readyNotice({ url, trial, createdAdmin }: { url: string; trial: boolean; createdAdmin: Awaited<ReturnType<typeof seed>>["createdAdmin"] }): string[] {
  const rule = "─".repeat(72);
  return [
    "",
    rule,
    `Postkamer draait op ${url}`,
    ...(trial ? [`Proefmodus: alle uitgaande e-mail komt in Beheer › Postvak (${url}/beheer/postvak), niet bij de ontvangers.`] : []),
    ...(createdAdmin ? ["", ...firstAdministratorNotice(createdAdmin)] : []),
    "",
    "Wachtwoord kwijt?  npm run cli -- reset-password <e-mailadres>",
    "Stoppen: Ctrl-C",
    rule,
  ];
}

main().catch((error: unknown) => {
  // A stop during start-up makes the step in progress fail (an aborted build, a closed database): that is no error to report.
  if (!stopped) console.error(error instanceof Error ? error.message : error);
  void shutdown(1);
});
