import { createServer as createNetServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { passwordAad } from "@/lib/mailservers/credentials.ts";
import { createServer, deleteServer, testServerConnection, updateServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { getServer } from "@/lib/mailservers/data.ts";
import { serverFormValues } from "@/lib/mailservers/form-values.ts";
import { translator } from "@/lib/i18n/translate.ts";
import { summarizeProbe } from "@/lib/mailservers/probe-summary.ts";
import { fieldErrorsOf } from "@/lib/ui/action.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

const PASSWORD = "Geplant-Wachtwoord-93kd";
const actor = { id: null, label: "test" };
const t = translator("nl");

function form(overrides: Record<string, unknown> = {}) {
  return {
    name: "Exchange Online",
    type: "MICROSOFT_365",
    host: "smtp.office365.com",
    port: "587",
    tlsMode: "STARTTLS",
    verifyCertificate: "on",
    authMethod: "PASSWORD",
    username: "verzuim@klant.example",
    password: PASSWORD,
    managedBy: "WERKGEVER",
    maxRecipientsPerMessage: "500",
    limitCount: ["30", "10000"],
    limitWindow: ["MINUTE", "DAY"],
    limitUnit: ["MESSAGES", "RECIPIENTS"],
    ...overrides,
  };
}

function errorsFor(input: Record<string, unknown>) {
  const result = serverFormSchema.safeParse(input);
  return result.success ? {} : fieldErrorsOf(result.error, t);
}

describe("the mail server form's validation", () => {
  it("accepts a Microsoft 365 server with its two limits", () => {
    const parsed = serverFormSchema.parse(form());
    expect(parsed.limits).toEqual([
      { count: 30, window: "MINUTE", windowSize: 1, unit: "MESSAGES" },
      { count: 10_000, window: "DAY", windowSize: 1, unit: "RECIPIENTS" },
    ]);
    expect(parsed.maxRecipientsPerMessage).toBe(500);
  });

  it.each([
    ["port 0", { port: "0" }, "port", "Een poort is een heel getal van 1 tot en met 65535."],
    ["port 65536", { port: "65536" }, "port", "Een poort is een heel getal van 1 tot en met 65535."],
    ["an empty host", { host: "" }, "host", "Dit veld is verplicht."],
    ["a host with a space", { host: "smtp .example" }, "host", "Vul een geldige hostnaam of een IP-adres in."],
    ["limit -1", { limitCount: ["-1"], limitWindow: ["MINUTE"], limitUnit: ["MESSAGES"] }, "limits.0.count", "Vul een positief heel getal in."],
    ["limit 1.5", { limitCount: ["1.5"], limitWindow: ["MINUTE"], limitUnit: ["MESSAGES"] }, "limits.0.count", "Vul een positief heel getal in."],
    [
      "two 'per minute, messages' rows",
      { limitCount: ["30", "20"], limitWindow: ["MINUTE", "MINUTE"], limitUnit: ["MESSAGES", "MESSAGES"] },
      "limits.1.window",
      "Deze combinatie van periode en telling staat er al.",
    ],
    ["a 10 kB name", { name: "x".repeat(10_240) }, "name", "Maximaal 100 tekens."],
    ["a name with a line break", { name: "Exchange\r\nBcc: x" }, "name", "Regeleinden en andere stuurtekens zijn niet toegestaan."],
    [
      "no encryption without the explicit warning ticked",
      { tlsMode: "NONE" },
      "acceptInsecure",
      "Bevestig dat je de server zonder versleuteling wilt gebruiken.",
    ],
    ["a password account without user name", { username: "" }, "username", "Dit veld is verplicht."],
    ["Amazon SES without a region", { type: "AMAZON_SES", region: "" }, "region", "Dit veld is verplicht."],
  ])("refuses %s with a field error", (_case, overrides, field, message) => {
    expect(errorsFor(form(overrides))[field]).toEqual([message]);
  });

  it("accepts no encryption once the warning is ticked", () => {
    expect(serverFormSchema.safeParse(form({ tlsMode: "NONE", acceptInsecure: "on" })).success).toBe(true);
  });
});

describe("storing mail servers", () => {
  beforeEach(() => resetDatabase());

  it("keeps the password only encrypted, bound to its row, and never in the audit trail", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(row.passwordBox).toMatch(/^v1\.test\./);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(decryptSecret(row.passwordBox!, passwordAad(server.id))).toBe(PASSWORD);
    expect(() => decryptSecret(row.passwordBox!, passwordAad("00000000-0000-4000-8000-000000000000"))).toThrow();
    const dump = await testDb().$queryRaw<{ dump: string }[]>`SELECT string_agg(t::text, ' ') AS dump FROM "AuditEntry" t`;
    expect(dump[0]!.dump).toContain("passwordStored");
    expect(dump[0]!.dump).not.toContain(PASSWORD);
  });

  it("keeps the stored password when the field is left empty, and replaces it when typed", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    const first = (await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).passwordBox;
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(form({ password: "", name: "Nieuwe naam" })));
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).passwordBox).toBe(first);
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(form({ password: "Een-Ander-Wachtwoord" })));
    const replaced = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(decryptSecret(replaced.passwordBox!, passwordAad(server.id))).toBe("Een-Ander-Wachtwoord");
  });

  it("bumps the connection version when host, port, account or authentication change, not for a name or a limit", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    const version = async () => (await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).connectionVersion;
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(form({ password: "", name: "Andere naam", limitCount: ["25", "10000"] })));
    expect(await version()).toBe(1);
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(form({ password: "", port: "25" })));
    expect(await version()).toBe(2);
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(form({ password: "", port: "25", username: "ander@klant.example" })));
    expect(await version()).toBe(3);
  });

  it("replaces the limits as edited and records before and after", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    await updateServer(
      testDb(),
      actor,
      server.id,
      serverFormSchema.parse(form({ password: "", limitCount: ["20"], limitWindow: ["MINUTE"], limitUnit: ["MESSAGES"] })),
    );
    expect(await testDb().sendingLimit.findMany({ where: { serverId: server.id }, select: { count: true, window: true, unit: true } })).toEqual([
      { count: 20, window: "MINUTE", unit: "MESSAGES" },
    ]);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.update" } });
    expect(audit.before).toMatchObject({ limits: ["10000/DAY/RECIPIENTS", "30/MINUTE/MESSAGES"] });
    expect(audit.after).toMatchObject({ limits: ["20/MINUTE/MESSAGES"] });
  });

  it("remembers the acknowledgement for a server without encryption: given once, shown ticked, kept, cleared once encrypted, audited", async () => {
    const insecure = (overrides: Record<string, unknown> = {}) =>
      serverFormSchema.parse(form({ type: "GENERIC", host: "relay.klant.example", port: "25", tlsMode: "NONE", acceptInsecure: "on", ...overrides }));
    const server = await createServer(testDb(), actor, insecure());
    const given = (await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).insecureAcknowledgedAt;
    expect(given).toBeInstanceOf(Date);
    const created = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.create", entityId: server.id } });
    expect(created.after).toMatchObject({ insecureAcknowledged: true, insecureAcknowledgedAt: given!.toISOString() });
    // The edit form starts with it ticked, so saving again does not ask for it again.
    expect(serverFormValues((await getServer(testDb(), server.id))!).acceptInsecure).toBe(true);

    await updateServer(testDb(), actor, server.id, insecure({ password: "", name: "Relay (hernoemd)" }));
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).insecureAcknowledgedAt).toEqual(given);
    const renamed = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.update", entityId: server.id } });
    expect(renamed.after).not.toHaveProperty("insecureAcknowledged");

    await updateServer(testDb(), actor, server.id, insecure({ password: "", tlsMode: "STARTTLS", acceptInsecure: "" }));
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).insecureAcknowledgedAt).toBeNull();
    expect(serverFormValues((await getServer(testDb(), server.id))!).acceptInsecure).toBe(false);

    await updateServer(testDb(), actor, server.id, insecure({ password: "" }));
    const again = (await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).insecureAcknowledgedAt;
    expect(again!.getTime()).toBeGreaterThanOrEqual(given!.getTime());
    const updates = await testDb().auditEntry.findMany({ where: { action: "mailserver.update", entityId: server.id }, orderBy: { at: "asc" } });
    expect(updates.at(-1)!.after).toMatchObject({ insecureAcknowledged: true });
    expect(updates.at(-1)!.before).toMatchObject({ insecureAcknowledgedAt: null });
  });

  it("never stores an acknowledgement for an encrypted server", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form({ acceptInsecure: "on" })));
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).insecureAcknowledgedAt).toBeNull();
  });

  it("deletes a server with its limits and audits it", async () => {
    const server = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    await deleteServer(testDb(), actor, server.id);
    expect(await testDb().mailServer.count()).toBe(0);
    expect(await testDb().sendingLimit.count()).toBe(0);
    await expect(deleteServer(testDb(), actor, server.id)).rejects.toMatchObject({ messageKey: "mailservers.errors.notFound" });
  });
});

describe("Verbinding testen against a real SMTP server on loopback", () => {
  let smtp: TestSmtp;
  let closedPort: number;

  beforeAll(async () => {
    smtp = await startTestSmtp({
      auth: { user: "verzuim@klant.example", pass: PASSWORD },
      onMailFrom(address, _session, callback) {
        if (address.address === "ander@klant.example")
          return callback(smtpError(554, "5.2.252 SendAsDenied; verzuim@klant.example not allowed to send as ander@klant.example"));
        callback();
      },
    });
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(() => smtp.close());
  beforeEach(() => resetDatabase());

  async function server(overrides: Record<string, unknown> = {}) {
    return createServer(
      testDb(),
      actor,
      serverFormSchema.parse(form({ type: "GENERIC", host: "127.0.0.1", port: String(smtp.port), verifyCertificate: "", ...overrides })),
    );
  }

  it("succeeds with the right password, stops before DATA, and keeps the result as the last test", async () => {
    const { id } = await server();
    const result = await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.step)).toEqual([
      "resolve",
      "connect",
      "greeting",
      "ehlo",
      "starttls",
      "ehloAfterTls",
      "auth",
      "mailFrom",
      "rcptTo",
      "rset",
      "quit",
    ]);
    expect(smtp.received).toHaveLength(0);
    const stored = await testDb().mailServer.findUniqueOrThrow({ where: { id } });
    expect(stored.lastTestOk).toBe(true);
    expect(JSON.stringify(stored.lastTestResult)).not.toContain(PASSWORD);
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.test", entityId: id } });
    expect(audit.params).toMatchObject({ ok: true, failedStep: null });
  });

  it("fails at AUTH with the explained 535 for a wrong password", async () => {
    const { id } = await server({ password: "Verkeerd-Wachtwoord" });
    const result = await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    expect(result.failedStep).toBe("auth");
    const auth = result.steps.find((s) => s.step === "auth")!;
    expect(auth.code).toBe(535);
    expect(auth.explanation?.id).toBe("wrong-credentials");
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id } })).lastTestOk).toBe(false);
  });

  it("explains a refused Send As for another sender typed in the dialog", async () => {
    const { id } = await server();
    const result = await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(result.failedStep).toBe("mailFrom");
    expect(result.steps.at(-1)?.explanation?.id ?? result.steps.find((s) => !s.ok)?.explanation?.id).toBe("send-as-denied");
  });

  it("fails a closed port with the connection explanation, well within the timeout", async () => {
    const { id } = await server({ port: String(closedPort) });
    const started = Date.now();
    const result = await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    expect(result.failedStep).toBe("connect");
    expect(result.steps.find((s) => !s.ok)?.explanation?.id).toBe("connection-refused");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("refuses a loopback host when private hosts are not allowed, without connecting", async () => {
    const { id } = await server({ port: "587" });
    const result = await testServerConnection(testDb(), actor, { id }, { allowPrivate: false });
    expect(result.failedStep).toBe("resolve");
    expect(result.steps.find((s) => !s.ok)?.explanation?.id).toBe("host-private-address");
  });

  it("refuses an unusual port when private hosts are not allowed", async () => {
    const { id } = await server();
    const result = await testServerConnection(testDb(), actor, { id }, { allowPrivate: false });
    expect(result.steps.find((s) => !s.ok)?.explanation?.id).toBe("host-port-not-allowed");
  });

  /** The probe allows one test per few seconds; these tests run several in a row. */
  const allowNextTest = (id: string) => testDb().mailServer.update({ where: { id }, data: { lastTestAt: new Date(Date.now() - 60_000) } });
  const stateOf = async (id: string) => (await testDb().mailServer.findUniqueOrThrow({ where: { id } })).lastTestOk;

  it("keeps the server working when another From is refused: that address is refused, the server is not 'Verbinding mislukt'", async () => {
    const { id } = await server();
    await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    expect(await stateOf(id)).toBe(true);
    await allowNextTest(id);
    const other = await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(other).toMatchObject({ ok: false, failedStep: "mailFrom", context: { mailFrom: "ander@klant.example", ownSender: false } });
    expect(await stateOf(id)).toBe(true);
    const stored = await testDb().mailServer.findUniqueOrThrow({ where: { id } });
    expect(summarizeProbe(stored.lastTestResult as never, t, "nl")).toMatchObject({
      tone: "warning",
      headline: "De server werkt, maar weigert afzender ander@klant.example.",
    });
    const audit = await testDb().auditEntry.findFirstOrThrow({ where: { action: "mailserver.test", entityId: id }, orderBy: { at: "desc" } });
    expect(audit.after).toMatchObject({ ok: false, serverOk: true, ownSender: false, mailFrom: "ander@klant.example" });
  });

  it("counts a test that never tested before as working when only another From is refused", async () => {
    const { id } = await server();
    await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(await stateOf(id)).toBe(true);
  });

  it("marks the server failed when one of its own senders is refused, and another From's refusal does not undo that", async () => {
    const { id } = await server();
    await testDb().sender.create({ data: { serverId: id, displayName: "Ander", address: "Ander@klant.example" } });
    const own = await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(own.context).toMatchObject({ ownSender: true });
    expect(await stateOf(id)).toBe(false);
    expect(summarizeProbe(own, t, "nl").tone).toBe("error");
    await testDb().sender.deleteMany({ where: { serverId: id } });
    await allowNextTest(id);
    await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(await stateOf(id)).toBe(false);
    await allowNextTest(id);
    await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    expect(await stateOf(id)).toBe(true);
  });

  it("marks the server failed when another From never got past the sign-in", async () => {
    const { id } = await server({ password: "Verkeerd-Wachtwoord" });
    await testServerConnection(testDb(), actor, { id, mailFrom: "ander@klant.example" }, { allowPrivate: true });
    expect(await stateOf(id)).toBe(false);
  });

  it("knows a preset's host, so a host that cannot be found is not blamed on its spelling", async () => {
    const preset = await createServer(testDb(), actor, serverFormSchema.parse(form()));
    const result = await testServerConnection(testDb(), actor, { id: preset.id }, { allowPrivate: false, resolver: { lookup: async () => [] } });
    expect(result).toMatchObject({ failedStep: "resolve", context: { host: "smtp.office365.com", port: 587, presetType: "MICROSOFT_365" } });
    const summary = summarizeProbe(result, t, "nl");
    expect(summary.cause).toContain("smtp.office365.com van Microsoft 365");
    expect(summary.action).not.toMatch(/spelling/);
    const typed = await createServer(testDb(), actor, serverFormSchema.parse(form({ type: "GENERIC", host: "smtp.klant.example" })));
    const own = await testServerConnection(testDb(), actor, { id: typed.id }, { allowPrivate: false, resolver: { lookup: async () => [] } });
    expect(own.context?.presetType).toBeUndefined();
    expect(summarizeProbe(own, t, "nl").action).toBe("Controleer de spelling van de hostnaam.");
  });

  it("refuses a second test within a few seconds", async () => {
    const { id } = await server();
    await testServerConnection(testDb(), actor, { id }, { allowPrivate: true });
    await expect(testServerConnection(testDb(), actor, { id }, { allowPrivate: true })).rejects.toMatchObject({
      messageKey: "mailservers.errors.probeTooSoon",
    });
  });
});
