import { beforeEach, describe, expect, it } from "vitest";
import { createServer, deleteServer, updateServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { removeSender } from "@/lib/senders/mutations.ts";
import { createTemplate, setTemplateRoute, updateTemplate } from "@/lib/templates/mutations.ts";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME } from "@/lib/templates/frames.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const actor = { id: null, label: "beheerder@klant.example" };

function serverInput(managedBy: "WERKGEVER" | "MEDISCHE_DIENST" | "DERDE_PARTIJ", name = "Exchange werkgever") {
  return serverFormSchema.parse({
    name,
    type: "GENERIC",
    host: "smtp.klant.example",
    port: "587",
    tlsMode: "STARTTLS",
    verifyCertificate: "on",
    authMethod: "NONE",
    managedBy,
  });
}

async function setup(managedBy: "WERKGEVER" | "MEDISCHE_DIENST" = "WERKGEVER") {
  await resetDatabase();
  const server = await createServer(testDb(), actor, serverInput(managedBy));
  const verified = await testDb().sender.create({ data: { serverId: server.id, displayName: "Verzuim", address: "verzuim@klant.example", state: "VERIFIED" } });
  const pending = await testDb().sender.create({ data: { serverId: server.id, displayName: "Nog niet", address: "nieuw@klant.example" } });
  const frames = { htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME };
  const employer = await createTemplate(testDb(), actor, { name: "Verzuim werkgever", key: "verzuim-werkgever", carries: "WERKGEVER", ...frames });
  const medical = await createTemplate(testDb(), actor, { name: "Spreekuur", key: "spreekuur", carries: "MEDISCH", ...frames });
  return { server, verified, pending, employer, medical };
}

describe("linking a sender to a master template", () => {
  beforeEach(() => resetDatabase());

  it("routes the template through the server as a verified sender", async () => {
    const { server, verified, employer } = await setup();
    await setTemplateRoute(testDb(), actor, { templateId: employer.id, serverId: server.id, senderId: verified.id, fgConsent: false });
    expect(await testDb().masterTemplate.findUniqueOrThrow({ where: { id: employer.id } })).toMatchObject({ serverId: server.id, senderId: verified.id });
  });

  it("refuses a sender that is not verified, or belongs to another server", async () => {
    const { server, pending, verified, employer } = await setup();
    await expect(
      setTemplateRoute(testDb(), actor, { templateId: employer.id, serverId: server.id, senderId: pending.id, fgConsent: false }),
    ).rejects.toMatchObject({
      messageKey: "templates.errors.senderNotVerified",
    });
    const other = await createServer(testDb(), actor, serverInput("WERKGEVER", "Andere"));
    await expect(
      setTemplateRoute(testDb(), actor, { templateId: employer.id, serverId: other.id, senderId: verified.id, fgConsent: false }),
    ).rejects.toMatchObject({
      messageKey: "templates.errors.senderNotOfServer",
    });
  });
});

describe("the privacy guard", () => {
  it("refuses to link a medical template to an employer's server without the FG's agreement, and records it when confirmed", async () => {
    const { server, verified, medical } = await setup("WERKGEVER");
    await expect(
      setTemplateRoute(testDb(), actor, { templateId: medical.id, serverId: server.id, senderId: verified.id, fgConsent: false }),
    ).rejects.toMatchObject({
      messageKey: "templates.errors.privacyConsentRequired",
      field: "fgConsent",
    });
    expect((await testDb().masterTemplate.findUniqueOrThrow({ where: { id: medical.id } })).serverId).toBeNull();

    await setTemplateRoute(testDb(), actor, { templateId: medical.id, serverId: server.id, senderId: verified.id, fgConsent: true });
    const linked = await testDb().masterTemplate.findUniqueOrThrow({ where: { id: medical.id } });
    expect(linked).toMatchObject({ serverId: server.id, privacyConsentServerId: server.id, privacyConsentByLabel: "beheerder@klant.example" });
    expect(linked.privacyConsentAt).not.toBeNull();
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "template.privacy.consent" } });
    expect(audit).toMatchObject({ entityId: medical.id, actorLabel: "beheerder@klant.example" });
    expect(audit.after).toMatchObject({ template: "spreekuur", serverId: server.id, managedBy: "WERKGEVER", confirmedBy: "beheerder@klant.example" });
  });

  it("needs no agreement on a server the medical service manages", async () => {
    const { server, verified, medical } = await setup("MEDISCHE_DIENST");
    await setTemplateRoute(testDb(), actor, { templateId: medical.id, serverId: server.id, senderId: verified.id, fgConsent: false });
    expect((await testDb().masterTemplate.findUniqueOrThrow({ where: { id: medical.id } })).privacyConsentAt).toBeNull();
  });

  it("runs again when the server's manager changes while medical templates use it", async () => {
    const { server, verified, medical } = await setup("MEDISCHE_DIENST");
    await setTemplateRoute(testDb(), actor, { templateId: medical.id, serverId: server.id, senderId: verified.id, fgConsent: false });
    await expect(updateServer(testDb(), actor, server.id, serverInput("WERKGEVER"))).rejects.toMatchObject({
      messageKey: "mailservers.errors.medicalTemplates",
      vars: { templates: "Spreekuur" },
    });
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).managedBy).toBe("MEDISCHE_DIENST");
  });

  it("does not let an employer template on an employer's server turn medical without the agreement", async () => {
    const { server, verified, employer } = await setup("WERKGEVER");
    await setTemplateRoute(testDb(), actor, { templateId: employer.id, serverId: server.id, senderId: verified.id, fgConsent: false });
    await expect(
      updateTemplate(testDb(), actor, employer.id, {
        name: employer.name,
        key: employer.key,
        carries: "MEDISCH",
        htmlFrame: employer.htmlFrame,
        textFrame: employer.textFrame,
      }),
    ).rejects.toMatchObject({ messageKey: "templates.errors.medicalOnEmployerServer" });
  });
});

describe("removing what templates use", () => {
  it("refuses to delete a server or remove a sender that templates use, naming the templates", async () => {
    const { server, verified, employer } = await setup();
    await setTemplateRoute(testDb(), actor, { templateId: employer.id, serverId: server.id, senderId: verified.id, fgConsent: false });
    await expect(deleteServer(testDb(), actor, server.id)).rejects.toMatchObject({
      messageKey: "mailservers.errors.usedByTemplates",
      vars: { templates: "Verzuim werkgever" },
    });
    await expect(removeSender(testDb(), actor, verified.id)).rejects.toMatchObject({
      messageKey: "senders.errors.usedByTemplates",
      vars: { templates: "Verzuim werkgever" },
    });
    expect(await testDb().mailServer.count()).toBe(1);
    expect(await testDb().sender.count()).toBe(2);
  });

  it("refuses a template key that is taken", async () => {
    const { employer } = await setup();
    await expect(
      createTemplate(testDb(), actor, { name: "Dubbel", key: employer.key, carries: "WERKGEVER", htmlFrame: "{{inhoud}}", textFrame: "{{inhoud}}" }),
    ).rejects.toMatchObject({ messageKey: "templates.errors.keyTaken", field: "key" });
  });
});
