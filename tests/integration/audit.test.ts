import { beforeEach, describe, expect, it, vi } from "vitest";
import { auditEntryBatches, listAuditEntries, type AuditEntryRow } from "@/lib/audit/data.ts";
import { actionLabel, AUDIT_ACTIONS, describeAction, describeAudit, type AuditAction, type AuditParams } from "@/lib/audit/describe.ts";
import { auditCsvStream, csvCell, csvLine } from "@/lib/audit/export.ts";
import { recordAudit, SYSTEM_ACTOR, type Actor } from "@/lib/audit/record.ts";
import { parseAuditSearch, startOfDutchDay, type AuditCursor, type AuditFilter } from "@/lib/audit/schema.ts";
import { effectivePermissions, type Permission } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { translator, type Locale } from "@/lib/i18n/translate.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME } from "@/lib/templates/frames.ts";
import { createTemplate, setTemplateRoute } from "@/lib/templates/mutations.ts";
import { resetDatabase, testDb } from "../support/db.ts";

let currentUser: CurrentUser | null = null;

vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: async (user: CurrentUser) => ({ id: user.id, label: user.email, clientAddress: "192.0.2.7" }),
}));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

const nl = translator("nl");
const en = translator("en");
const both = (entry: Parameters<typeof describeAudit>[0]) => [describeAudit(entry, nl, "nl"), describeAudit(entry, en, "en")];

/** One example per action: every code has a sentence in both languages, with every value filled in. */
const EXAMPLES: { [A in AuditAction]: AuditParams[A] } = {
  "user.create": { email: "a@example.test" },
  "user.roles.update": { email: "a@example.test" },
  "user.activate": { email: "a@example.test" },
  "user.deactivate": { email: "a@example.test" },
  "user.password.reset": { email: "a@example.test" },
  "role.create": { name: "Helpdesk" },
  "role.permissions.update": { name: "Helpdesk" },
  "apikey.create": { name: "Koppeling" },
  "apikey.revoke": { name: "Koppeling" },
  "apikey.webhook.create": { name: "Koppeling", url: "https://app.example.test/hook" },
  "apikey.webhook.rotate": { name: "Koppeling", url: "https://app.example.test/hook" },
  "apikey.webhook.enable": { name: "Koppeling", url: "https://app.example.test/hook" },
  "apikey.webhook.disable": { name: "Koppeling", url: "https://app.example.test/hook" },
  "apikey.webhook.delete": { name: "Koppeling", url: "https://app.example.test/hook" },
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
  "audit.export": { actor: "a@example.test", action: "group:routes", server: "Exchange", template: "Spreekuur", fromDate: "2026-12-01", toDate: "2026-12-31" },
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

const anna: Actor = { id: "00000000-0000-4000-8000-00000000a001", label: "anna@klant.example", clientAddress: "192.0.2.1" };
const bert: Actor = { id: "00000000-0000-4000-8000-00000000b002", label: "bert@klant.example", clientAddress: "2001:db8::2" };

async function seedUsers() {
  for (const actor of [anna, bert]) await testDb().user.create({ data: { id: actor.id!, email: actor.label, name: actor.label, passwordHash: "x" } });
}

function serverInput(name: string, managedBy: "WERKGEVER" | "MEDISCHE_DIENST") {
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

/** Two servers, a medical template routed through the employer's server with the FG's consent (by Bert), and Anna's changes. */
async function seedTrail() {
  await seedUsers();
  const employerServer = await createServer(testDb(), anna, serverInput("Exchange werkgever", "WERKGEVER"));
  const medicalServer = await createServer(testDb(), anna, serverInput("Arbodienst relay", "MEDISCHE_DIENST"));
  const sender = await testDb().sender.create({
    data: { serverId: employerServer.id, displayName: "Verzuim", address: "verzuim@klant.example", state: "VERIFIED" },
  });
  const frames = { htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME };
  const medical = await createTemplate(testDb(), anna, { name: "Spreekuur", key: "spreekuur", carries: "MEDISCH", ...frames });
  await setTemplateRoute(testDb(), bert, { templateId: medical.id, serverId: employerServer.id, senderId: sender.id, fgConsent: true });
  await testDb().$transaction((tx) =>
    recordAudit(tx, { actor: SYSTEM_ACTOR, action: "message.cancel", params: { status: "QUEUED" }, entityType: "OutboundMessage", entityId: "m1" }),
  );
  return { employerServer, medicalServer, sender, medical };
}

async function actionsFor(filter: AuditFilter): Promise<string[]> {
  return (await listAuditEntries(testDb(), { filter, take: 500 })).entries.map((e) => e.action);
}

describe("filtering the audit trail", () => {
  beforeEach(() => resetDatabase());

  it("filters by who, by an action or a group of actions, by server and by template", async () => {
    const { employerServer, medicalServer, medical } = await seedTrail();
    expect(await actionsFor({ actor: bert.id! })).toEqual(["template.privacy.consent", "template.route"]);
    expect(await actionsFor({ actor: "system" })).toEqual(["message.cancel"]);
    expect(await actionsFor({ action: "template.route" })).toEqual(["template.route"]);
    expect(await actionsFor({ action: "group:routes" })).toEqual(["template.privacy.consent", "template.route"]);
    expect(await actionsFor({ action: "group:mailservers" })).toEqual(["mailserver.create", "mailserver.create"]);
    // A server's trail holds its own entries and the templates routed through it.
    expect(await actionsFor({ serverId: employerServer.id })).toEqual(["template.privacy.consent", "template.route", "mailserver.create"]);
    expect(await actionsFor({ serverId: medicalServer.id })).toEqual(["mailserver.create"]);
    expect(await actionsFor({ templateId: medical.id })).toEqual(["template.privacy.consent", "template.route", "template.create"]);
    expect(await actionsFor({ templateId: medical.id, actor: anna.id! })).toEqual(["template.create"]);
  });

  it("keeps what the privacy officer needs on the consent: who confirmed, which template, which server, from where", async () => {
    const { employerServer, medical } = await seedTrail();
    const [consent] = (await listAuditEntries(testDb(), { filter: { action: "template.privacy.consent" } })).entries;
    expect(consent).toMatchObject({
      actorId: bert.id,
      actorLabel: bert.label,
      clientAddress: "2001:db8::2",
      templateId: medical.id,
      serverId: employerServer.id,
    });
    expect(describeAudit(consent!, nl, "nl")).toBe(
      "Bevestigd dat de privacyverantwoordelijke/FG instemt met medische e-mail van sjabloon “Spreekuur” via “Exchange werkgever” (beheerd door: Werkgever)",
    );
  });

  it("takes a period as whole days in Dutch time, both days included", async () => {
    await seedUsers();
    const at = ["2026-11-30T22:59:59.999Z", "2026-11-30T23:00:00.000Z", "2026-12-01T22:59:59.999Z", "2026-12-01T23:00:00.000Z"];
    for (const [index, moment] of at.entries()) {
      await testDb().auditEntry.create({
        data: { at: new Date(moment), actorLabel: "x", action: "role.create", entityType: "Role", summary: String(index), params: { name: String(index) } },
      });
    }
    const summaries = async (filter: AuditFilter) => (await listAuditEntries(testDb(), { filter })).entries.map((e) => e.summary);
    // 1 December in Amsterdam (CET, UTC+1) runs from 30 November 23:00 UTC up to 1 December 23:00 UTC.
    expect(await summaries({ from: "2026-12-01", to: "2026-12-01" })).toEqual(["2", "1"]);
    expect(await summaries({ from: "2026-12-01" })).toEqual(["3", "2", "1"]);
    expect(await summaries({ to: "2026-11-30" })).toEqual(["0"]);
    // Summer time: midnight is 22:00 UTC.
    expect(startOfDutchDay("2026-07-01").toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(startOfDutchDay("2026-03-29").toISOString()).toBe("2026-03-28T23:00:00.000Z");
  });

  it("names bad filter input and leaves it out, keeping the rest of the filter", () => {
    const parsed = parseAuditSearch({
      wie: "'; DROP TABLE x",
      wat: "mailserver.test",
      server: "not-a-uuid",
      sjabloon: "00000000-0000-4000-8000-000000000001",
      van: "2026-02-30",
      tot: "2026-12-01",
      voor: "abc",
    });
    expect(parsed.filter).toEqual({ action: "mailserver.test", templateId: "00000000-0000-4000-8000-000000000001", to: "2026-12-01" });
    expect(parsed.cursor).toBeNull();
    expect(parsed.problems).toEqual(["actor", "server", "from", "cursor"]);
    expect(parseAuditSearch({ wat: "group:nonsense" }).problems).toEqual(["action"]);
    expect(parseAuditSearch({ van: "2026-12-02", tot: "2026-12-01" })).toMatchObject({ filter: {}, problems: ["range"] });
    expect(parseAuditSearch({ wie: "system", wat: "group:routes", van: "", tot: ["2026-12-01", "x"] })).toEqual({
      filter: { actor: "system", action: "group:routes", to: "2026-12-01" },
      cursor: null,
      problems: [],
    });
  });

  it("has a label in both languages for every action, and never shows a code", () => {
    for (const action of AUDIT_ACTIONS) {
      for (const t of [nl, en]) {
        const label = actionLabel(action, t);
        expect(label, action).not.toMatch(/^audit\.|^Andere actie$|^Other action$/);
        expect(label, action).not.toContain(action);
      }
    }
    expect(actionLabel("mailserver.test", nl)).toBe("Verbinding getest");
    expect(actionLabel("something.retired", nl)).toBe("Andere actie");
  });
});

describe("keyset paging of the audit trail", () => {
  beforeEach(() => resetDatabase());

  it("walks every entry exactly once, newest first, also when many share one moment", async () => {
    // 130 entries over 13 distinct moments: ten per millisecond, so a page ends inside a moment.
    await testDb().$executeRaw`
      INSERT INTO "AuditEntry" ("at", "actorLabel", "action", "entityType", "summary")
      SELECT timestamptz '2026-12-01 12:00:00+00' + (g / 10) * interval '1 second', 'x', 'role.create', 'Role', g::text
      FROM generate_series(1, 130) g`;
    const seen: bigint[] = [];
    let cursor: AuditCursor | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listAuditEntries>> = await listAuditEntries(testDb(), { cursor, take: 25 });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(130);
    const all = await testDb().auditEntry.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }], select: { id: true } });
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("has an index that serves the order (at, id) without OFFSET", async () => {
    const indexes = await testDb().$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'AuditEntry'`;
    const definitions = indexes.map((i) => i.indexdef);
    expect(definitions).toContainEqual(expect.stringContaining("(at DESC, id DESC)"));
    expect(definitions).toContainEqual(expect.stringContaining('("serverId", at DESC, id DESC)'));
    expect(definitions).toContainEqual(expect.stringContaining('("templateId", at DESC, id DESC)'));
    expect(definitions).toContainEqual(expect.stringContaining('("actorId", at DESC, id DESC)'));
  });
});

/** RFC 4180 with ";" — enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ";") endCell();
    else if (c === "\r" && text[i + 1] === "\n") {
      endRow();
      i++;
    } else cell += c;
  }
  if (cell || row.length) endRow();
  return rows;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), chunks };
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
}

describe("the CSV export", () => {
  beforeEach(() => resetDatabase());

  it("quotes separators, quotes and line breaks and neutralises formulas", () => {
    expect(csvCell("gewoon")).toBe("gewoon");
    expect(csvCell("a;b")).toBe('"a;b"');
    expect(csvCell('zei "ja"')).toBe('"zei ""ja"""');
    expect(csvCell("regel 1\nregel 2")).toBe('"regel 1\nregel 2"');
    expect(csvCell("1-12-2026, 14:05")).toBe("1-12-2026, 14:05");
    for (const formula of ['=HYPERLINK("http://x")', "+31 6 1234", "-2+3", "@SUM(A1)", "\tx"]) {
      expect(csvCell(formula).replace(/^"/, "")).toMatch(/^'/);
    }
    expect(csvCell("=1;2")).toBe('"\'=1;2"');
  });

  it("writes a BOM, a header and one row per entry with label, object, changes and client address, readable back", async () => {
    const { employerServer } = await seedTrail();
    const tricky = '=cmd|"/c calc";\nTweede "regel"';
    await testDb().$transaction((tx) =>
      recordAudit(tx, {
        actor: anna,
        action: "mailserver.update",
        params: { name: tricky, connectionChanged: true },
        entityType: "MailServer",
        entityId: employerServer.id,
        before: { name: "Exchange werkgever", port: 25, password: "geheim-wachtwoord", limits: ["30/MINUTE/MESSAGES"] },
        after: { name: tricky, port: 587, password: "ander-geheim", limits: ["30/MINUTE/MESSAGES", "1000/5xMINUTE/RECIPIENTS"] },
      }),
    );
    const bytes = new Uint8Array(await new Response(auditCsvStream(auditEntryBatches(testDb(), { serverId: employerServer.id }), nl, "nl")).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text).not.toContain("geheim-wachtwoord");
    expect(text).not.toContain("ander-geheim");
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(["Moment (Nederlandse tijd)", "Wie", "Actie", "Omschrijving", "Object", "Wijzigingen", "Clientadres"]);
    expect(rows).toHaveLength(1 + 4);
    const [moment, who, label, description, object, changes, address] = rows[1]!;
    expect(moment).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(who).toBe("anna@klant.example");
    expect(label).toBe("Mailserver gewijzigd");
    expect(description).toBe(`Mailserver “${tricky}” gewijzigd (verbinding gewijzigd)`);
    expect(object).toBe(`Mailserver “${tricky}”`);
    expect(changes).toBe(
      // The password was masked before and after alike: the export cannot tell that (or how) it changed.
      `Naam: Exchange werkgever → ${tricky}; Poort: 25 → 587; ` + "Limieten: 30 berichten per minuut → 30 berichten per minuut, 1000 ontvangers per 5 minuten",
    );
    expect(address).toBe("192.0.2.1");
    const consent = rows.find((row) => row[2] === "FG-toestemming bevestigd")!;
    expect(consent[1]).toBe("bert@klant.example");
    expect(consent[6]).toBe("2001:db8::2");
    expect(consent[5]).toContain("Bevestigd door: bert@klant.example");
    // A cell that would start a formula starts with an apostrophe instead, and reads back whole.
    expect(parseCsv(csvLine([tricky, "b"]))).toEqual([[`'${tricky}`, "b"]]);
  });

  it("streams a large export batch by batch: 20,000 entries arrive in many chunks, read ahead by at most one batch", async () => {
    await testDb().$executeRaw`
      INSERT INTO "AuditEntry" ("at", "actorLabel", "action", "entityType", "summary", "params")
      SELECT timestamptz '2026-12-01 12:00:00+00' + g * interval '1 millisecond', 'anna@klant.example', 'role.create', 'Role', 'r', jsonb_build_object('name', 'Rol ' || g)
      FROM generate_series(1, 20000) g`;
    let batchesRead = 0;
    async function* counted(): AsyncGenerator<AuditEntryRow[]> {
      for await (const batch of auditEntryBatches(testDb(), {}, 1000)) {
        batchesRead++;
        yield batch;
      }
    }
    const reader = auditCsvStream(counted(), nl, "nl").getReader();
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
      // Backpressure: the database is read only as far as the reader has come (one batch ahead).
      expect(batchesRead).toBeLessThanOrEqual(chunks + 1);
    }
    expect(chunks).toBe(21);
    const rows = parseCsv(text.slice(1));
    expect(rows).toHaveLength(20_001);
    const names = new Set(rows.slice(1).map((row) => row[3]));
    expect(names.size).toBe(20_000);
    expect(rows[1]![3]).toBe("Rol “Rol 20000” aangemaakt");
    expect(rows.at(-1)![3]).toBe("Rol “Rol 1” aangemaakt");
  }, 180_000);
});

describe("the export route", () => {
  beforeEach(async () => {
    await resetDatabase();
    currentUser = null;
  });

  function userWith(permissions: Permission[]): CurrentUser {
    return { id: anna.id!, email: anna.label, name: "Anna", permissions: effectivePermissions(permissions) };
  }

  async function exportRoute(query: string) {
    const { GET } = await import("@/app/(beheer)/audit/export/route.ts");
    return GET(new Request(`http://localhost/audit/export${query}`));
  }

  it("refuses without a session (401) and without the right to view the audit trail (403), and records nothing", async () => {
    await seedUsers();
    expect((await exportRoute("")).status).toBe(401);
    currentUser = userWith(["MAILSERVERS_EDIT", "TEMPLATES_EDIT", "LOG_DETAILS_VIEW", "RIGHTS_MANAGE"]);
    const refused = await exportRoute("");
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain(";");
    expect(await testDb().auditEntry.count()).toBe(0);
  });

  it("refuses a bad filter with a clear message (400) instead of exporting something else", async () => {
    currentUser = userWith(["AUDIT_VIEW"]);
    const response = await exportRoute("?van=gisteren&wat=mailserver.test");
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("Niet gebruikt in het filter: Van (geen datum als 2026-12-01).");
    expect(await testDb().auditEntry.count()).toBe(0);
  });

  it("exports the filtered trail as a CSV download and records who exported which filter", async () => {
    const { employerServer } = await seedTrail();
    currentUser = userWith(["AUDIT_VIEW"]);
    const response = await exportRoute(`?wat=group:routes&server=${employerServer.id}&van=2020-01-01`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="audittrail-\d{4}-\d{2}-\d{2}\.csv"$/);
    const { text, chunks } = await readAll(response.body!);
    expect(chunks).toBeGreaterThanOrEqual(2);
    const rows = parseCsv(text.slice(1));
    expect(rows.slice(1).map((row) => row[2])).toEqual(["FG-toestemming bevestigd", "Route van sjabloon gewijzigd"]);
    const [exported] = (await listAuditEntries(testDb(), { filter: { action: "audit.export" } })).entries;
    expect(exported).toMatchObject({ actorId: anna.id, clientAddress: "192.0.2.7", serverId: employerServer.id });
    expect(describeAudit(exported!, nl, "nl")).toBe(
      "Audittrail geëxporteerd als CSV (wat: Routes en FG-toestemming; mailserver: Exchange werkgever; van 1-1-2020)",
    );
    expect(describeAudit(exported!, en, "en")).toBe(
      "Audit trail exported as CSV (what: Routes and DPO consent; mail server: Exchange werkgever; from 01/01/2020)",
    );
  });
});
