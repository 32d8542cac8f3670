import type { Db } from "@/lib/db/client.ts";
import { recordAudit, SYSTEM_ACTOR } from "@/lib/audit/record.ts";
import { BUILT_IN_ROLES } from "@/lib/auth/permissions.ts";
import { generatePassword, hashPassword } from "@/lib/auth/password.ts";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME, DEMO_TEMPLATES } from "@/lib/templates/frames.ts";

/**
 * Idempotent seed: the built-in roles (created once, afterwards the administrators own them)
 * and, on an empty user table, a first administrator. Returns that administrator's address,
 * and the password only when it was generated here, so it can be printed exactly once: a
 * password the operator chose (ADMIN_PASSWORD) is never echoed into a log.
 */
export type CreatedAdmin = { email: string; generatedPassword?: string };

export async function seed(prisma: Db, options: { adminEmail?: string; adminPassword?: string } = {}): Promise<{ createdAdmin?: CreatedAdmin }> {
  const roleIds: Record<string, string> = {};
  for (const role of Object.values(BUILT_IN_ROLES)) {
    const existing = await prisma.role.findUnique({ where: { name: role.name } });
    roleIds[role.name] =
      existing?.id ??
      (
        await prisma.role.create({
          data: { name: role.name, builtIn: true, permissions: { create: role.permissions.map((permission) => ({ permission })) } },
        })
      ).id;
  }

  if ((await prisma.masterTemplate.count()) === 0) {
    await prisma.masterTemplate.createMany({
      data: DEMO_TEMPLATES.map((template) => ({ ...template, htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME })),
    });
  }

  if ((await prisma.user.count()) > 0) return {};
  const email = (options.adminEmail ?? "admin@postkamer.local").toLowerCase();
  const password = options.adminPassword ?? generatePassword();
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        email,
        name: "Beheerder",
        passwordHash,
        roles: { create: [{ roleId: roleIds[BUILT_IN_ROLES.administrator.name]! }] },
      },
    });
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: "user.create",
      entityType: "User",
      entityId: user.id,
      params: { email },
      after: { email, roles: [BUILT_IN_ROLES.administrator.name] },
    });
  });
  return { createdAdmin: options.adminPassword ? { email } : { email, generatedPassword: password } };
}

/** What `npm start` and `npm run cli -- seed` print once about the first administrator (Dutch, like the rest of the start-up). */
export function firstAdministratorNotice(admin: CreatedAdmin): string[] {
  return [
    "Eerste beheerder aangemaakt (wordt maar één keer getoond):",
    `  E-mailadres: ${admin.email}`,
    admin.generatedPassword ? `  Wachtwoord:  ${admin.generatedPassword}` : "  Wachtwoord:  zoals opgegeven in ADMIN_PASSWORD",
  ];
}

export const DEMO_SERVER_NAME = "Demo-mailserver (mail catcher)";

/**
 * Embedded mode only: a server that delivers into the local mail catcher, so a new user can walk
 * through adding and verifying a sender without a real mail server.
 */
export async function seedDemoServer(prisma: Db, smtpPort: number): Promise<void> {
  const existing = await prisma.mailServer.findFirst({ where: { name: DEMO_SERVER_NAME } });
  if (existing) {
    if (existing.port !== smtpPort) await prisma.mailServer.update({ where: { id: existing.id }, data: { port: smtpPort } });
    return;
  }
  await prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.create({
      data: {
        name: DEMO_SERVER_NAME,
        type: "GENERIC",
        host: "127.0.0.1",
        port: smtpPort,
        tlsMode: "NONE",
        verifyCertificate: false,
        authMethod: "NONE",
        managedBy: "WERKGEVER",
        limits: { create: [{ count: 30, window: "MINUTE", unit: "MESSAGES" }] },
      },
    });
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: "mailserver.create",
      entityType: "MailServer",
      entityId: server.id,
      params: { name: server.name },
      after: { demo: true, smtpPort },
    });
  });
}
