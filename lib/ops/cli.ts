/**
 * Operator commands: `npm run cli -- <command>`. Works against DATABASE_URL.
 *
 *   migrate                                  apply pending migrations
 *   seed                                     built-in roles (and a first admin on an empty database)
 *   create-user <email> --role <role> [--name <name>] [--password-stdin]
 *   reset-password <email> [--password-stdin] a lost password: a new one, earlier sessions end
 *   create-api-key <name>                    prints the key as the last line
 *
 * Without DATABASE_URL (trial mode) the commands use the built-in PostgreSQL of a running
 * `npm start`.
 *
 * A password is never an argument: arguments show in the process list and the shell's history.
 * `--password-stdin` reads it from standard input (a prompt without echo on a terminal, the
 * first line of a pipe for scripts); without it a password is generated and printed once.
 */
import { parseArgs } from "node:util";
import { readPassword } from "./password-input.ts";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import type { Actor } from "@/lib/audit/record.ts";
import { createDb } from "@/lib/db/client.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { createUser, resetPassword } from "@/lib/users/mutations.ts";
import { createUserSchema } from "@/lib/users/schema.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { translator } from "@/lib/i18n/translate.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { loadEnvironment } from "./environment.ts";
import { DATA_DIR } from "./environment.ts";
import { loadOrCreateLocalSecrets } from "./secrets.ts";
import { firstAdministratorNotice, seed } from "./seed.ts";

const CLI_ACTOR: Actor = { id: null, label: "cli" };

const USAGE = `Usage: npm run cli -- <command>
  migrate
  seed
  create-user <email> --role <role> [--name <name>] [--password-stdin]
  reset-password <email> [--password-stdin]
  create-api-key <name>

create-user and reset-password generate a password and print it once; with --password-stdin
they read it from standard input instead (prompted without echo on a terminal):
  printf '%s\n' "$PASSWORD" | npm run cli -- create-user anna@example.nl --role Helpdesk --password-stdin
reset-password ends every session of that user signed in before it.`;

/**
 * Trial mode keeps no DATABASE_URL: the built-in PostgreSQL of a running `npm start` (.data/) is
 * the database then. Undefined when there is none, or it is not running.
 */
async function embeddedDatabaseUrl(): Promise<string | undefined> {
  if (!existsSync(join(DATA_DIR, "postgres")) || !existsSync(join(DATA_DIR, "secrets.json"))) return undefined;
  const { secrets } = await loadOrCreateLocalSecrets(join(DATA_DIR, "secrets.json"));
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  const url = `postgresql://postgres:${encodeURIComponent(secrets.EMBEDDED_PG_PASSWORD)}@127.0.0.1:${port}/postkamer`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    // `password` is only parsed to refuse it with a pointer to --password-stdin.
    options: { role: { type: "string", multiple: true }, name: { type: "string" }, password: { type: "string" }, "password-stdin": { type: "boolean" } },
  });
  if (values.password !== undefined) {
    console.error("--password is not accepted: a password on the command line shows in the process list and the shell history. Use --password-stdin.");
    return 2;
  }
  const [command, ...rest] = positionals;
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const config = await loadEnvironment();
  const url = config.DATABASE_URL ?? (await embeddedDatabaseUrl());
  if (!url) {
    console.error("DATABASE_URL is not set, and no built-in database is running: set DATABASE_URL, or start Postkamer (npm start) and run this again.");
    return 2;
  }

  if (command === "migrate") {
    const { applied } = await migrate(url, { log: console.log });
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
    return 0;
  }

  const prisma = createDb(url, 2);
  try {
    switch (command) {
      case "seed": {
        const { createdAdmin } = await seed(prisma, { adminEmail: config.ADMIN_EMAIL, adminPassword: config.ADMIN_PASSWORD });
        if (createdAdmin) for (const line of firstAdministratorNotice(createdAdmin)) console.log(line);
        return 0;
      }
      case "create-user": {
        const roleNames = values.role ?? [];
        if (rest.length !== 1 || roleNames.length === 0) {
          console.error(USAGE);
          return 2;
        }
        const roles = await prisma.role.findMany({ where: { name: { in: roleNames, mode: "insensitive" } } });
        const unknown = roleNames.filter((name) => !roles.some((role) => role.name.toLowerCase() === name.toLowerCase()));
        if (unknown.length) {
          const known = (await prisma.role.findMany({ select: { name: true } })).map((r) => r.name);
          console.error(`Unknown role ${unknown.join(", ")}. Roles: ${known.join(", ")}`);
          return 2;
        }
        const password = values["password-stdin"] ? await readPassword(process.stdin, process.stderr) : undefined;
        if (values["password-stdin"] && !password) {
          console.error("No password on standard input.");
          return 2;
        }
        const input = createUserSchema.safeParse({
          email: rest[0],
          name: values.name ?? rest[0]!.split("@")[0],
          password,
          roles: roles.map((r) => r.id),
        });
        if (!input.success) {
          console.error(input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
          return 2;
        }
        const user = await createUser(prisma, CLI_ACTOR, input.data);
        console.log(`Created ${user.email} with role(s) ${roles.map((r) => r.name).join(", ")}.`);
        if (user.generatedPassword) console.log(`Password: ${user.generatedPassword}`);
        return 0;
      }
      case "reset-password": {
        if (rest.length !== 1) {
          console.error(USAGE);
          return 2;
        }
        const password = values["password-stdin"] ? await readPassword(process.stdin, process.stderr) : undefined;
        if (values["password-stdin"] && !password) {
          console.error("No password on standard input.");
          return 2;
        }
        const checked = createUserSchema.shape.password.safeParse(password);
        if (!checked.success) {
          console.error("A password has 12 to 256 characters.");
          return 2;
        }
        const result = await resetPassword(prisma, CLI_ACTOR, { email: rest[0]!, password });
        console.log(`Password of ${result.email} reset; sessions signed in before now have ended.`);
        if (result.generatedPassword) console.log(`Password: ${result.generatedPassword}`);
        return 0;
      }
      case "create-api-key": {
        const name = rest.join(" ").trim();
        if (!name) {
          console.error(USAGE);
          return 2;
        }
        const { key } = await createApiKey(prisma, CLI_ACTOR, { name });
        console.log(`API key "${name}" created. It is shown only once:`);
        console.log(key);
        return 0;
      }
      default:
        console.error(`Unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UserError) {
      console.error(translator("nl")(error.messageKey, error.vars));
      return 1;
    }
    throw error;
  } finally {
    await prisma.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
