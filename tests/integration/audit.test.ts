import { beforeEach, describe, expect, it } from "vitest";
import { listAuditEntries } from "@/lib/audit/data.ts";
import { describeAction, describeAudit, type AuditAction, type AuditParams } from "@/lib/audit/describe.ts";
import { recordAudit, SYSTEM_ACTOR } from "@/lib/audit/record.ts";
import { catalog, translator, type Locale } from "@/lib/i18n/translate.ts";
import { resetDatabase, testDb } from "../support/db.ts";

const nl = translator(catalog("nl"));
const en = translator(catalog("en"));
const both = (entry: Parameters<typeof describeAudit>[0]) => [describeAudit(entry, nl, "nl"), describeAudit(entry, en, "en")];

/** One example per action: every code has a sentence in both languages, with every value filled in. */
const EXAMPLES: { [A in AuditAction]: AuditParams[A] } = {
  "user.create": { email: "a@example.test" },
  "user.roles.update": { email: "a@example.test" },
  "user.activate": { email: "a@example.test" },
  "user.deactivate": { email: "a@example.test" },
  "role.create": { name: "Helpdesk" },
  "role.permissions.update": { name: "Helpdesk" },
  "apikey.create": { name: "Koppeling" },
  "apikey.revoke": { name: "Koppeling" },
  "mailserver.create": { name: "Exchange" },
  "mailserver.update": { name: "Exchange", connectionChanged: true },
  "mailserver.delete": { name: "Exchange" },
  "mailserver.test": { name: "Exchange", ok: false, failedStep: "auth" },
  "mailserver.resume": { name: "Exchange" },
  "mailserver.limit.learned": { name: "Exchange", count: 1000, window: "MINUTE", windowSize: 5, unit: "MESSAGES" },
  "mailserver.limit.dismissed": { name: "Exchange", window: "HOUR", windowSize: 1, unit: "RECIPIENTS" },
  "mailserver.recipientCap.learned": { name: "Exchange", count: 1 },
  "mailserver.recipientCap.dismissed": { name: "Exchange" },
  "message.retry": { status: "FAILED" },
  "message.cancel": { status: "QUEUED" },
  "template.create": { name: "Uitnodiging" },
  "template.update": { name: "Uitnodiging" },
  "template.test": { name: "Uitnodiging", to: "test@example.test" },
  "template.route": { name: "Uitnodiging", server: "Exchange", sender: "noreply@example.test" },
  "template.privacy.consent": { name: "Uitnodiging", server: "Exchange", managedBy: "MEDISCHE_DIENST" },
  "sender.create": { address: "noreply@example.test", server: "Exchange" },
  "sender.codes.resend": { address: "noreply@example.test" },
  "sender.verify": { address: "noreply@example.test", server: "Exchange" },
  "sender.verify.wrong": { address: "noreply@example.test", tries: 2, max: 5 },
  "sender.verify.locked": { address: "noreply@example.test", tries: 5, max: 5 },
  "sender.delete": { address: "noreply@example.test", server: "Exchange" },
  "platform.dkim.rotate": { domain: "postkamer.example", selector: "pk20261201-a1b2" },
  "platform.dkim.activate": { domain: "postkamer.example", selector: "pk20261201-a1b2" },
};

describe("audit entries are stored as codes and values and shown in the reader's language", () => {
  beforeEach(() => resetDatabase());

  it("renders an entry in Dutch and in English from its code and values", async () => {
    await testDb().$transaction((tx) =>
      recordAudit(tx, { actor: SYSTEM_ACTOR, action: "mailserver.create", params: { name: "Exchange werkgever" }, entityType: "MailServer", entityId: "x" }),
    );
    const [entry] = (await listAuditEntries(testDb())).entries;
    expect(entry).toMatchObject({ action: "mailserver.create", params: { name: "Exchange werkgever" } });
    expect(both(entry!)).toEqual(["Mailserver “Exchange werkgever” aangemaakt", "Mail server “Exchange werkgever” created"]);
    // The stored summary is the Dutch sentence, for readers of the table only.
    expect(entry!.summary).toBe("Mailserver “Exchange werkgever” aangemaakt");
  });

  it("translates the values that are codes themselves (status, window, unit) and picks the plural form", async () => {
    await testDb().$transaction(async (tx) => {
      await recordAudit(tx, { actor: SYSTEM_ACTOR, action: "message.retry", params: { status: "FAILED" }, entityType: "OutboundMessage" });
      await recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: "mailserver.limit.learned",
        params: { name: "Exchange", count: 1000, window: "MINUTE", windowSize: 5, unit: "MESSAGES" },
        entityType: "MailServer",
      });
      await recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: "mailserver.recipientCap.learned",
        params: { name: "Exchange", count: 1 },
        entityType: "MailServer",
      });
    });
    const [cap, limit, retry] = (await listAuditEntries(testDb())).entries;
    expect(both(retry!)).toEqual(["E-mail opnieuw in de wachtrij gezet (was: Mislukt)", "E-mail queued again (was: Failed)"]);
    expect(both(limit!)).toEqual([
      "Limiet van “Exchange” verlaagd naar het waargenomen plafond: 1.000 berichten per 5 minuten",
      "Limit of “Exchange” lowered to the observed ceiling: 1,000 messages per 5 minutes",
    ]);
    expect(both(cap!)).toEqual([
      "Max. ontvangers per bericht van “Exchange” ingesteld op het waargenomen maximum: 1 ontvanger",
      "Max. recipients per message of “Exchange” set to the observed maximum: 1 recipient",
    ]);
  });

  it("shows an entry written before codes were stored with its stored summary, in either language", async () => {
    await testDb().auditEntry.create({
      data: { actorLabel: "admin@example.test", action: "mailserver.create", entityType: "MailServer", summary: "Mailserver Oud aangemaakt" },
    });
    await testDb().auditEntry.create({
      data: { actorLabel: "admin@example.test", action: "something.retired", entityType: "X", summary: "Iets van vroeger", params: { name: "x" } },
    });
    const [unknown, old] = (await listAuditEntries(testDb())).entries;
    expect(old!.params).toBeNull();
    expect(both(old!)).toEqual(["Mailserver Oud aangemaakt", "Mailserver Oud aangemaakt"]);
    expect(both(unknown!)).toEqual(["Iets van vroeger", "Iets van vroeger"]);
  });

  it("masks secret-looking values like before and after", async () => {
    await testDb().$transaction((tx) =>
      recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: "apikey.create",
        params: { name: "Koppeling", apiKey: "pk_live_supersecret" } as AuditParams["apikey.create"],
        entityType: "ApiKey",
        after: { password: "hunter2hunter2" },
      }),
    );
    const dump = await testDb().$queryRaw<{ dump: string }[]>`SELECT string_agg(t::text, ' ') AS dump FROM "AuditEntry" t`;
    expect(dump[0]!.dump).toContain("Koppeling");
    expect(dump[0]!.dump).not.toContain("pk_live_supersecret");
    expect(dump[0]!.dump).not.toContain("hunter2hunter2");
  });

  it.each(["nl", "en"] as Locale[])("has a complete %s sentence for every action", (locale) => {
    const t = locale === "nl" ? nl : en;
    for (const action of Object.keys(EXAMPLES) as AuditAction[]) {
      const text = describeAction(action, EXAMPLES[action] as never, t, locale);
      expect(text, action).not.toMatch(/[{}]|audit\.actions|undefined|—/);
    }
    expect(describeAction("mailserver.test", EXAMPLES["mailserver.test"], t, locale)).toContain(locale === "nl" ? "“Inloggen”" : "“Sign in”");
  });
});
