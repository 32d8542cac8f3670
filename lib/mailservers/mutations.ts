import { createPrivateKey } from "node:crypto";
import type { Db, Tx } from "@/lib/db/client.ts";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { allowPrivateSmtpHosts } from "@/lib/config.ts";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box.ts";
import type { PgBoss } from "pg-boss";
import { wakeServer } from "@/lib/delivery/dispatch.ts";
import { suggestRecipientCap } from "@/lib/delivery/data.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { invalidateConfigurationProofs } from "@/lib/senders/mutations.ts";
import { hasConsentFor } from "@/lib/templates/privacy.ts";
import { templatesUsing } from "@/lib/templates/mutations.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { oauthSecretAad, passwordAad } from "./credentials.ts";
import { accessTokenFor, tokenEndpointHost } from "./oauth.ts";
import type { HostResolver } from "./host-guard.ts";
import { presetFor } from "./presets.ts";
import { probeSmtpServer, type ProbeResult } from "./probe.ts";
import { serverStateAfterTest } from "./probe-summary.ts";
import type { ServerInput } from "./schema.ts";

/** What the audit trail may know of a server: everything but the secret, which is only "set" or not. */
function auditView(server: {
  name: string;
  type: string;
  region: string | null;
  host: string;
  port: number;
  tlsMode: string;
  verifyCertificate: boolean;
  authMethod: string;
  username: string | null;
  passwordBox: string | null;
  oauthTenantId: string | null;
  oauthClientId: string | null;
  oauthSecretBox: string | null;
  oauthSecretExpiresAt: Date | null;
  heloName: string | null;
  managedBy: string;
  maxRecipientsPerMessage: number | null;
  limits: { count: number; window: string; windowSize: number; unit: string }[];
  insecureAcknowledgedAt: Date | null;
}) {
  return {
    name: server.name,
    type: server.type,
    region: server.region,
    host: server.host,
    port: server.port,
    tlsMode: server.tlsMode,
    verifyCertificate: server.verifyCertificate,
    authMethod: server.authMethod,
    username: server.username,
    passwordStored: server.passwordBox !== null,
    ...(server.authMethod === "OAUTH2"
      ? {
          oauthTenantId: server.oauthTenantId,
          oauthClientId: server.oauthClientId,
          oauthSecretStored: server.oauthSecretBox !== null,
          oauthSecretExpiresAt: server.oauthSecretExpiresAt?.toISOString().slice(0, 10) ?? null,
        }
      : {}),
    heloName: server.heloName,
    managedBy: server.managedBy,
    maxRecipientsPerMessage: server.maxRecipientsPerMessage,
    insecureAcknowledgedAt: server.insecureAcknowledgedAt?.toISOString() ?? null,
    limits: server.limits.map((l) => `${l.count}/${l.windowSize > 1 ? `${l.windowSize}x` : ""}${l.window}/${l.unit}`).sort(),
  };
}

function columns(input: ServerInput) {
  return {
    name: input.name,
    type: input.type,
    region: input.region,
    host: input.host,
    port: input.port,
    tlsMode: input.tlsMode,
    verifyCertificate: input.verifyCertificate,
    authMethod: input.authMethod,
    username: input.username,
    oauthTenantId: input.oauthTenantId,
    oauthSecretExpiresAt: input.oauthSecretExpiresAt,
    heloName: input.heloName,
    managedBy: input.managedBy,
    maxRecipientsPerMessage: input.maxRecipientsPerMessage,
    maxConnections: input.maxConnections,
  } satisfies Prisma.MailServerUncheckedUpdateInput;
}

/** The form field that carries the OAuth2 secret for a type. */
function oauthSecretField(type: ServerInput["type"]) {
  return type === "GOOGLE_WORKSPACE" ? "oauthServiceAccountKey" : "oauthClientSecret";
}

/** A key Google would reject at every token request is refused now, next to its field. */
function assertUsableOAuthSecret(input: ServerInput) {
  if (input.type !== "GOOGLE_WORKSPACE" || !input.oauthSecret) return;
  try {
    createPrivateKey(input.oauthSecret);
  } catch {
    throw new UserError("mailservers.errors.serviceAccountPrivateKey", {}, "oauthServiceAccountKey", 400);
  }
}

export async function createServer(prisma: Db, actor: Actor, input: ServerInput) {
  if (input.authMethod === "PASSWORD" && !input.password) throw new UserError("validation.required", {}, "password", 400);
  if (input.authMethod === "OAUTH2" && (!input.oauthSecret || !input.oauthClientId)) {
    throw new UserError("validation.required", {}, oauthSecretField(input.type), 400);
  }
  assertUsableOAuthSecret(input);
  return prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.create({
      data: {
        ...columns(input),
        oauthClientId: input.oauthClientId ?? null,
        // The form refuses "no encryption" unless "Ik begrijp…" is ticked: saving it is the acknowledgement.
        insecureAcknowledgedAt: input.tlsMode === "NONE" ? new Date() : null,
        limits: { create: input.limits },
      },
      include: { limits: true },
    });
    // The boxes' associated data names the row, so they are sealed once the id exists.
    const withPassword =
      input.password || input.oauthSecret
        ? await tx.mailServer.update({
            where: { id: server.id },
            data: {
              ...(input.password ? { passwordBox: encryptSecret(input.password, passwordAad(server.id)) } : {}),
              ...(input.oauthSecret ? { oauthSecretBox: encryptSecret(input.oauthSecret, oauthSecretAad(server.id)) } : {}),
            },
            include: { limits: true },
          })
        : server;
    await recordAudit(tx, {
      actor,
      action: "mailserver.create",
      entityType: "MailServer",
      entityId: server.id,
      params: { name: server.name },
      after: { ...auditView(withPassword), ...(withPassword.insecureAcknowledgedAt ? { insecureAcknowledged: true } : {}) },
    });
    return withPassword;
  });
}

/**
 * Saves a server. A new password replaces the stored one; an empty field keeps it. Changing
 * host, port, account or authentication bumps connectionVersion: what was proven or pooled for
 * the old connection no longer holds.
 */
export async function updateServer(prisma: Db, actor: Actor, id: string, input: ServerInput) {
  return prisma.$transaction(async (tx) => {
    const before = await lockServer(tx, id);
    if (before.managedBy !== input.managedBy && input.managedBy !== "MEDISCHE_DIENST") {
      // The privacy guard again: medical templates on this server need the FG's agreement for it.
      const medical = await tx.masterTemplate.findMany({ where: { serverId: id, carries: "MEDISCH" } });
      const unconsented = medical.filter((template) => !hasConsentFor(template, id)).map((template) => template.name);
      if (unconsented.length > 0) throw new UserError("mailservers.errors.medicalTemplates", { templates: unconsented.join(", ") }, "managedBy", 422);
    }
    const passwordBox = input.authMethod !== "PASSWORD" ? null : input.password ? encryptSecret(input.password, passwordAad(id)) : before.passwordBox;
    if (input.authMethod === "PASSWORD" && !passwordBox) throw new UserError("validation.required", {}, "password", 400);
    const oauth = input.authMethod === "OAUTH2";
    // A stored secret belongs to the provider it was entered for: another type needs a new one.
    const keepOAuthSecret = oauth && before.authMethod === "OAUTH2" && before.type === input.type;
    const oauthSecretBox = !oauth
      ? null
      : input.oauthSecret
        ? encryptSecret(input.oauthSecret, oauthSecretAad(id))
        : keepOAuthSecret
          ? before.oauthSecretBox
          : null;
    const oauthClientId = !oauth ? null : (input.oauthClientId ?? (keepOAuthSecret ? before.oauthClientId : null));
    if (oauth && (!oauthSecretBox || !oauthClientId)) throw new UserError("validation.required", {}, oauthSecretField(input.type), 400);
    assertUsableOAuthSecret(input);
    const connectionChanged =
      before.host !== input.host ||
      before.port !== input.port ||
      before.username !== input.username ||
      before.authMethod !== input.authMethod ||
      Boolean(input.password) ||
      (oauth &&
        (before.type !== input.type || before.oauthTenantId !== input.oauthTenantId || before.oauthClientId !== oauthClientId || Boolean(input.oauthSecret)));
    await tx.sendingLimit.deleteMany({ where: { serverId: id } });
    // Given once, the acknowledgement stays with the server (the form shows it ticked) until the server is encrypted.
    const insecureAcknowledgedAt = input.tlsMode !== "NONE" ? null : (before.insecureAcknowledgedAt ?? new Date());
    const after = await tx.mailServer.update({
      where: { id },
      data: {
        ...columns(input),
        insecureAcknowledgedAt,
        passwordBox,
        oauthClientId,
        oauthSecretBox,
        // A test of the old connection says nothing about the new one.
        ...(connectionChanged
          ? {
              connectionVersion: { increment: 1 },
              lastTestAt: null,
              lastTestOk: null,
              lastTestResult: Prisma.DbNull,
              // New credentials or host: the fault that paused delivery may be fixed, so try again.
              pausedAt: null,
              pausedReason: null,
            }
          : {}),
        limits: { create: input.limits },
      },
      include: { limits: true },
    });
    const reverify = connectionChanged ? await invalidateConfigurationProofs(tx, id) : 0;
    await recordAudit(tx, {
      actor,
      action: "mailserver.update",
      entityType: "MailServer",
      entityId: id,
      params: { name: after.name, connectionChanged },
      before: auditView(before),
      after: {
        ...auditView(after),
        ...(input.password ? { passwordReplaced: true } : {}),
        ...(oauth && input.oauthSecret ? { oauthSecretReplaced: true } : {}),
        ...(insecureAcknowledgedAt && !before.insecureAcknowledgedAt ? { insecureAcknowledged: true } : {}),
        ...(reverify ? { sendersToReverify: reverify } : {}),
      },
    });
    return { server: after, connectionChanged, sendersToReverify: reverify };
  });
}

export async function deleteServer(prisma: Db, actor: Actor, id: string) {
  return prisma.$transaction(async (tx) => {
    const before = await lockServer(tx, id);
    const templates = await templatesUsing(tx, { serverId: id });
    if (templates.length > 0) throw new UserError("mailservers.errors.usedByTemplates", { templates: templates.join(", ") });
    // Nothing accepted is ever lost: mail still on its way keeps its server.
    const waiting = await tx.outboundMessage.count({ where: { serverId: id, status: { in: ["QUEUED", "DEFERRED", "SENDING", "RETRYING"] } } });
    if (waiting > 0) throw new UserError("mailservers.errors.hasQueuedMail", { count: waiting });
    await tx.mailServer.delete({ where: { id } });
    await recordAudit(tx, {
      actor,
      action: "mailserver.delete",
      entityType: "MailServer",
      entityId: id,
      params: { name: before.name },
      before: auditView(before),
    });
    return before;
  });
}

async function lockServer(tx: Tx, id: string) {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "MailServer" WHERE id = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
  return tx.mailServer.findUniqueOrThrow({ where: { id }, include: { limits: true } });
}

/** Probes are cheap to ask for and not free to run (an SMTP session elsewhere): one per server per few seconds. */
const PROBE_INTERVAL_MS = 5_000;

/**
 * "Verbinding testen": runs the probe with the stored (decrypted) credentials and keeps the
 * result as the server's last test and in the audit trail. The result never holds the password.
 */
export async function testServerConnection(
  prisma: Db,
  actor: Actor,
  input: { id: string; mailFrom?: string; rcptTo?: string },
  options: { allowPrivate?: boolean; timeoutMs?: number; resolver?: HostResolver } = {},
): Promise<ProbeResult> {
  const server = await prisma.mailServer.findUnique({ where: { id: input.id } });
  if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
  if (server.lastTestAt && Date.now() - server.lastTestAt.getTime() < PROBE_INTERVAL_MS) {
    throw new UserError("mailservers.errors.probeTooSoon", {}, undefined, 409);
  }
  const account = server.username?.includes("@") ? server.username : undefined;
  const mailFrom = input.mailFrom ?? account;
  if (!mailFrom) throw new UserError("mailservers.errors.mailFromNeeded", {}, "mailFrom", 400);
  const rcptTo = input.rcptTo ?? mailFrom;
  const ownSender =
    mailFrom.toLowerCase() === account?.toLowerCase() ||
    (await prisma.sender.count({ where: { serverId: server.id, address: { equals: mailFrom, mode: "insensitive" } } })) > 0;
  const presetHost = server.type === "GENERIC" ? "" : presetFor(server.type, { region: server.region ?? undefined }).host;
  const probed = await probeSmtpServer(
    {
      host: server.host,
      port: server.port,
      tlsMode: server.tlsMode,
      verifyCertificate: server.verifyCertificate,
      username: server.authMethod === "PASSWORD" || server.authMethod === "OAUTH2" ? (server.username ?? undefined) : undefined,
      password: server.authMethod === "PASSWORD" && server.passwordBox ? decryptSecret(server.passwordBox, passwordAad(server.id)) : undefined,
      // A fresh token, not the cached one: the test is of the credentials as they are now.
      oauth: server.authMethod === "OAUTH2" ? { endpoint: tokenEndpointHost(server), token: () => accessTokenFor(server, { renew: true }) } : undefined,
      heloName: server.heloName ?? undefined,
      mailFrom,
      rcptTo,
    },
    { allowPrivate: options.allowPrivate ?? allowPrivateSmtpHosts(), timeoutMs: options.timeoutMs, resolver: options.resolver },
  );
  const result: ProbeResult = {
    ...probed,
    context: {
      host: server.host,
      port: server.port,
      mailFrom,
      rcptTo,
      ownSender,
      ...(presetHost && presetHost === server.host.toLowerCase() ? { presetType: server.type } : {}),
    },
  };
  await prisma.$transaction(async (tx) => {
    // Another From refused says nothing about the server: its state stays what its own senders and the connection made it.
    const previous = await tx.mailServer.findUniqueOrThrow({ where: { id: server.id }, select: { lastTestOk: true, lastTestResult: true } });
    const serverOk = serverStateAfterTest(result, { ok: previous.lastTestOk, result: previous.lastTestResult as ProbeResult | null });
    await tx.mailServer.update({
      where: { id: server.id },
      data: { lastTestAt: new Date(), lastTestOk: serverOk, lastTestResult: JSON.parse(JSON.stringify(result)) as Prisma.InputJsonValue },
    });
    await recordAudit(tx, {
      actor,
      action: "mailserver.test",
      entityType: "MailServer",
      entityId: server.id,
      params: { name: server.name, ok: result.ok, failedStep: result.failedStep ?? null },
      after: {
        ok: result.ok,
        serverOk,
        failedStep: result.failedStep ?? null,
        mailFrom,
        ownSender,
        rcptTo,
        steps: result.steps.map((s) => ({ step: s.step, ok: s.ok, code: s.code ?? null, ms: s.ms })),
      },
    });
  });
  return result;
}

/** "Hervatten": delivery was paused after an authentication or configuration fault; try again now. */
export async function resumeDelivery(prisma: Db, boss: PgBoss, actor: Actor, id: string) {
  const server = await prisma.$transaction(async (tx) => {
    const before = await lockServer(tx, id);
    await tx.mailServer.update({ where: { id }, data: { pausedAt: null, pausedReason: null, deferredUntil: null, deferredReason: null } });
    await recordAudit(tx, {
      actor,
      action: "mailserver.resume",
      entityType: "MailServer",
      entityId: id,
      params: { name: before.name },
      before: { pausedAt: before.pausedAt, pausedReason: before.pausedReason },
    });
    return before;
  });
  await wakeServer(boss, id);
  return server;
}

/**
 * "Max. ontvangers per bericht instellen op N": the server refused recipients above N with
 * `452 4.5.3` (LimitObservation.perMessage), so from now on messages are split at N beforehand.
 * As with "Limiet instellen", N comes from the stored observations, never from the form. The
 * open observations are resolved, so the suggestion disappears.
 */
export async function applyRecipientCapSuggestion(prisma: Db, actor: Actor, input: { serverId: string }) {
  return prisma.$transaction(async (tx) => {
    const before = await lockServer(tx, input.serverId);
    const suggestion = await suggestRecipientCap(tx, before.id);
    if (!suggestion) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    await tx.mailServer.update({ where: { id: before.id }, data: { maxRecipientsPerMessage: suggestion.observed } });
    await tx.limitObservation.updateMany({ where: { serverId: before.id, perMessage: true, resolvedAt: null }, data: { resolvedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "mailserver.recipientCap.learned",
      entityType: "MailServer",
      entityId: before.id,
      params: { name: before.name, count: suggestion.observed },
      before: { maxRecipientsPerMessage: before.maxRecipientsPerMessage },
      after: { maxRecipientsPerMessage: suggestion.observed, observations: suggestion.observations },
    });
    return { server: before, maxRecipientsPerMessage: suggestion.observed };
  });
}

/** "Negeren" on the recipient-cap suggestion: the observations are resolved, the cap stays as it is. */
export async function dismissRecipientCapSuggestion(prisma: Db, actor: Actor, input: { serverId: string }) {
  return prisma.$transaction(async (tx) => {
    const before = await lockServer(tx, input.serverId);
    const { count: observations } = await tx.limitObservation.updateMany({
      where: { serverId: before.id, perMessage: true, resolvedAt: null },
      data: { resolvedAt: new Date() },
    });
    if (observations === 0) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    await recordAudit(tx, {
      actor,
      action: "mailserver.recipientCap.dismissed",
      entityType: "MailServer",
      entityId: before.id,
      params: { name: before.name },
      after: { observations },
    });
    return before;
  });
}
