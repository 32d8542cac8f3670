import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import type { Db, Tx } from "@/lib/db/client.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { hasConsentFor, needsPrivacyConsent } from "./privacy.ts";

type TemplateInput = { name: string; key: string; carries: "WERKGEVER" | "MEDISCH"; htmlFrame: string; textFrame: string };

async function lockTemplate(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "MasterTemplate" WHERE id = ${id}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new UserError("templates.errors.notFound", {}, undefined, 404);
  return tx.masterTemplate.findUniqueOrThrow({ where: { id }, include: { server: true, sender: true } });
}

async function assertKeyFree(tx: Tx, key: string, exceptId?: string) {
  const existing = await tx.masterTemplate.findUnique({ where: { key } });
  if (existing && existing.id !== exceptId) throw new UserError("templates.errors.keyTaken", {}, "key");
}

export async function createTemplate(prisma: Db, actor: Actor, input: TemplateInput) {
  return prisma.$transaction(async (tx) => {
    await assertKeyFree(tx, input.key);
    const template = await tx.masterTemplate.create({ data: input });
    await recordAudit(tx, {
      actor,
      action: "template.create",
      entityType: "MasterTemplate",
      entityId: template.id,
      params: { name: template.name },
      after: { name: template.name, key: template.key, carries: template.carries },
    });
    return template;
  });
}

export async function updateTemplate(prisma: Db, actor: Actor, id: string, input: TemplateInput) {
  return prisma.$transaction(async (tx) => {
    const before = await lockTemplate(tx, id);
    await assertKeyFree(tx, input.key, id);
    // Turning an employer template into a medical one must not slip it past the privacy guard.
    if (before.server && needsPrivacyConsent(input.carries, before.server.managedBy) && !hasConsentFor(before, before.server.id)) {
      throw new UserError("templates.errors.medicalOnEmployerServer", { server: before.server.name }, "carries", 422);
    }
    const after = await tx.masterTemplate.update({ where: { id }, data: input });
    await recordAudit(tx, {
      actor,
      action: "template.update",
      entityType: "MasterTemplate",
      entityId: id,
      params: { name: after.name },
      before: {
        name: before.name,
        key: before.key,
        carries: before.carries,
        htmlFrameLength: before.htmlFrame.length,
        textFrameLength: before.textFrame.length,
      },
      after: { name: after.name, key: after.key, carries: after.carries, htmlFrameLength: after.htmlFrame.length, textFrameLength: after.textFrame.length },
    });
    return after;
  });
}

/**
 * Step 3 of the source article: the template's mail goes through this server with this sender
 * (only a verified sender of that server), or through the platform's own delivery. Takes effect
 * for mail submitted from now on; queued mail keeps the route it was stored with.
 */
export async function setTemplateRoute(
  prisma: Db,
  actor: Actor,
  input: { templateId: string; serverId: string | null; senderId: string | null; fgConsent: boolean },
) {
  return prisma.$transaction(async (tx) => {
    const before = await lockTemplate(tx, input.templateId);
    const route = { from: before.server ? `${before.server.name} / ${before.sender?.address ?? "—"}` : "platform" };
    if (!input.serverId) {
      const after = await tx.masterTemplate.update({
        where: { id: before.id },
        data: { serverId: null, senderId: null, privacyConsentServerId: null, privacyConsentById: null, privacyConsentByLabel: null, privacyConsentAt: null },
      });
      await recordAudit(tx, {
        actor,
        action: "template.route",
        entityType: "MasterTemplate",
        entityId: before.id,
        params: { name: before.name },
        before: route,
        after: { route: "platform" },
      });
      return { template: after, consentRecorded: false };
    }
    const server = await tx.mailServer.findUnique({ where: { id: input.serverId } });
    if (!server) throw new UserError("mailservers.errors.notFound", {}, "serverId", 404);
    if (!input.senderId) throw new UserError("templates.errors.senderRequired", {}, "senderId", 400);
    const sender = await tx.sender.findUnique({ where: { id: input.senderId } });
    if (!sender || sender.serverId !== server.id) throw new UserError("templates.errors.senderNotOfServer", {}, "senderId", 400);
    if (sender.state !== "VERIFIED") throw new UserError("templates.errors.senderNotVerified", { address: sender.address }, "senderId", 400);

    const consentNeeded = needsPrivacyConsent(before.carries, server.managedBy);
    const keepsConsent = consentNeeded && hasConsentFor(before, server.id);
    if (consentNeeded && !input.fgConsent && !keepsConsent) {
      throw new UserError("templates.errors.privacyConsentRequired", { server: server.name }, "fgConsent", 422);
    }
    const now = new Date();
    const recordConsent = consentNeeded && !keepsConsent;
    const after = await tx.masterTemplate.update({
      where: { id: before.id },
      data: {
        serverId: server.id,
        senderId: sender.id,
        ...(recordConsent
          ? { privacyConsentServerId: server.id, privacyConsentById: actor.id, privacyConsentByLabel: actor.label, privacyConsentAt: now }
          : consentNeeded
            ? {}
            : { privacyConsentServerId: null, privacyConsentById: null, privacyConsentByLabel: null, privacyConsentAt: null }),
      },
    });
    await recordAudit(tx, {
      actor,
      action: "template.route",
      entityType: "MasterTemplate",
      entityId: before.id,
      serverId: server.id,
      params: { name: before.name, server: server.name, sender: sender.address },
      before: route,
      after: { server: server.name, sender: sender.address },
    });
    if (recordConsent) {
      await recordAudit(tx, {
        actor,
        action: "template.privacy.consent",
        entityType: "MasterTemplate",
        entityId: before.id,
        serverId: server.id,
        params: { name: before.name, server: server.name, managedBy: server.managedBy },
        after: { template: before.key, serverId: server.id, server: server.name, managedBy: server.managedBy, confirmedBy: actor.label, at: now.toISOString() },
      });
    }
    return { template: after, consentRecorded: recordConsent };
  });
}

/** The names of the templates that route through a server (or use a sender): what blocks removing it. */
export async function templatesUsing(tx: Tx | Db, where: { serverId: string } | { senderId: string }): Promise<string[]> {
  const templates = await tx.masterTemplate.findMany({ where, select: { name: true }, orderBy: { name: "asc" } });
  return templates.map((t) => t.name);
}
