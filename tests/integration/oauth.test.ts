import { createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { ALL_PERMISSIONS, effectivePermissions } from "@/lib/auth/permissions.ts";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { drainServer } from "@/lib/delivery/engine.ts";
import { closeAllTransports, closeTransport } from "@/lib/delivery/transport-pool.ts";
import { translator } from "@/lib/i18n/translate.ts";
import { createBoss } from "@/lib/jobs/boss.ts";
import { ensureQueues } from "@/lib/jobs/queues.ts";
import { oauthSecretAad } from "@/lib/mailservers/credentials.ts";
import { secretExpiry } from "@/lib/mailservers/data.ts";
import { createServer, testServerConnection, updateServer } from "@/lib/mailservers/mutations.ts";
import { accessTokenFor, invalidateAccessToken } from "@/lib/mailservers/oauth.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { fieldErrorsOf } from "@/lib/ui/action.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { submitMany, waitUntil } from "../support/delivery.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * OAuth2 (XOAUTH2) end to end on loopback: a token server that speaks Microsoft's v2 token
 * endpoint (client credentials) and Google's (JWT bearer, signature checked with the test key's
 * public half), and an smtp-server that only offers XOAUTH2 and only accepts tokens the token
 * server issued and that have not expired. lib/config.ts reads the token URLs from the
 * environment, set before anything reads the configuration.
 */

// Server actions need a signed-in user; only the session lookup is replaced, as in fuzz.test.ts.
let currentUser: CurrentUser | null = null;
vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: (user: CurrentUser) => ({ id: user.id, label: user.email }),
  requirePagePermission: async () => currentUser,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

process.env.ALLOW_PRIVATE_SMTP_HOSTS = "1";

const actor = { id: null, label: "test" };
const t = translator("nl");
const MAILBOX = "verzuim@klant.example";
const TENANT = "7f0c2a55-1b0e-4d6a-9a51-3c2f8e1d0b44";
const CLIENT_ID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";
const CLIENT_SECRET = "Geplant~Clientgeheim.Q8x_3kdLw92mZ";
const SERVICE_ACCOUNT = "postkamer@klant-project.iam.gserviceaccount.com";
const keys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const otherKeys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

// ---------------------------------------------------------------------------------------------
// A token server on loopback

type MicrosoftMode = "ok" | "expired" | "consent";
type GoogleMode = "ok" | "unauthorized";

const tokenServer = {
  microsoftMode: "ok" as MicrosoftMode,
  googleMode: "ok" as GoogleMode,
  /** The public key Google checks assertions with; another one means "key deleted". */
  googlePublicKey: keys.publicKey,
  expiresIn: 3600,
  requests: { microsoft: 0, google: 0 },
  /** Tokens issued and not yet expired are what the SMTP server accepts. */
  issued: new Map<string, { expiresAt: number; mailbox?: string }>(),
  googleAudience: "",
};

function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
  });
}

function issue(mailbox?: string) {
  const token = `tok_${randomBytes(18).toString("base64url")}`;
  tokenServer.issued.set(token, { expiresAt: Date.now() + tokenServer.expiresIn * 1000, mailbox });
  return { token_type: "Bearer", expires_in: tokenServer.expiresIn, access_token: token };
}

function microsoftError(error: string, code: number, text: string) {
  return { error, error_description: `AADSTS${code}: ${text}\r\nTrace ID: 0000 Correlation ID: 1111 Timestamp: 2026-12-01 10:00:00Z`, error_codes: [code] };
}

function microsoftToken(tenant: string, body: URLSearchParams): [number, object] {
  tokenServer.requests.microsoft++;
  if (body.get("grant_type") !== "client_credentials" || body.get("scope") !== "https://outlook.office365.com/.default") {
    return [400, { error: "invalid_request", error_description: "AADSTS900144: bad grant or scope" }];
  }
  if (tenant !== TENANT) return [400, microsoftError("invalid_request", 90002, `Tenant '${tenant}' not found.`)];
  if (body.get("client_id") !== CLIENT_ID)
    return [400, microsoftError("unauthorized_client", 700016, `Application with identifier '${body.get("client_id")}' was not found in the directory.`)];
  if (body.get("client_secret") !== CLIENT_SECRET) return [401, microsoftError("invalid_client", 7000215, "Invalid client secret provided.")];
  if (tokenServer.microsoftMode === "expired")
    return [401, microsoftError("invalid_client", 7000222, `The provided client secret keys for app '${CLIENT_ID}' are expired.`)];
  if (tokenServer.microsoftMode === "consent")
    return [400, microsoftError("invalid_grant", 65001, "The user or administrator has not consented to use the application.")];
  return [200, issue()];
}

function googleToken(body: URLSearchParams): [number, object] {
  tokenServer.requests.google++;
  const [header, payload, signature] = (body.get("assertion") ?? "").split(".");
  if (body.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer" || !header || !payload || !signature) {
    return [400, { error: "invalid_request", error_description: "Invalid grant or assertion" }];
  }
  const verified = createVerify("RSA-SHA256").update(`${header}.${payload}`).verify(tokenServer.googlePublicKey, Buffer.from(signature, "base64url"));
  if (!verified) return [400, { error: "invalid_grant", error_description: "Invalid JWT Signature." }];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  const now = Date.now() / 1000;
  if (JSON.parse(Buffer.from(header, "base64url").toString("utf8")).alg !== "RS256") return [400, { error: "invalid_grant", error_description: "bad alg" }];
  if (claims.iss !== SERVICE_ACCOUNT || claims.aud !== tokenServer.googleAudience || claims.scope !== "https://mail.google.com/") {
    return [400, { error: "invalid_grant", error_description: "Invalid JWT: iss, aud or scope" }];
  }
  if (typeof claims.exp !== "number" || typeof claims.iat !== "number" || claims.exp < now || claims.iat > now + 60) {
    return [400, { error: "invalid_grant", error_description: "Invalid JWT: Token must be a short-lived token" }];
  }
  if (claims.sub !== MAILBOX) return [400, { error: "invalid_grant", error_description: "Invalid email or User ID" }];
  if (tokenServer.googleMode === "unauthorized") {
    return [
      401,
      {
        error: "unauthorized_client",
        error_description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
      },
    ];
  }
  return [200, issue(MAILBOX)];
}

let http: Server;
let tokenBase: string;

async function startTokenServer() {
  http = createHttpServer(async (request, response) => {
    const body = await readBody(request);
    const microsoft = /^\/ms\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(request.url ?? "");
    const [status, json] =
      request.method !== "POST"
        ? [405, { error: "method" }]
        : microsoft
          ? microsoftToken(decodeURIComponent(microsoft[1]!), body)
          : request.url === "/google/token"
            ? googleToken(body)
            : [404, { error: "not_found" }];
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  tokenBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  process.env.MICROSOFT_LOGIN_URL = `${tokenBase}/ms`;
  process.env.GOOGLE_TOKEN_URL = tokenServer.googleAudience = `${tokenBase}/google/token`;
}

// ---------------------------------------------------------------------------------------------
// An SMTP server that only speaks XOAUTH2

const smtpPolicy = {
  /** Refuse this many otherwise valid tokens first, the way Google (challenge) or Exchange (535) does. */
  refuseNext: 0,
  refuseWith: "challenge" as "challenge" | "exchange",
  /** Exchange Online without SMTP.SendAsApp: every token refused. */
  refuseAll: false,
  authAttempts: 0,
};

let smtp: TestSmtp;

async function startXoauth2Smtp() {
  smtp = await startTestSmtp({
    authMethods: ["XOAUTH2"],
    authOptional: false,
    onAuth(auth, _session, callback) {
      smtpPolicy.authAttempts++;
      const token = tokenServer.issued.get(auth.accessToken ?? "");
      const valid =
        auth.method === "XOAUTH2" && auth.username === MAILBOX && token && token.expiresAt > Date.now() && (!token.mailbox || token.mailbox === MAILBOX);
      const refuse = smtpPolicy.refuseAll || !valid || smtpPolicy.refuseNext > 0;
      if (valid && smtpPolicy.refuseNext > 0) smtpPolicy.refuseNext--;
      if (!refuse) return callback(null, { user: auth.username });
      if (smtpPolicy.refuseWith === "exchange" || smtpPolicy.refuseAll)
        return callback(smtpError(535, "5.7.3 Authentication unsuccessful [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]"));
      callback(null, { data: { status: "401", schemes: "bearer", scope: "https://mail.google.com/" } });
    },
  });
}

// ---------------------------------------------------------------------------------------------

let boss: PgBoss;

beforeAll(async () => {
  await startTokenServer();
  await startXoauth2Smtp();
  boss = createBoss(process.env.DATABASE_URL!, "web");
  await boss.start();
  await ensureQueues(boss);
});
afterAll(async () => {
  closeAllTransports();
  await boss.stop({ graceful: false, close: true });
  await smtp.close();
  await new Promise((resolve) => http.close(resolve));
});
beforeEach(async () => {
  await resetDatabase();
  Object.assign(tokenServer, {
    microsoftMode: "ok",
    googleMode: "ok",
    googlePublicKey: keys.publicKey,
    expiresIn: 3600,
    requests: { microsoft: 0, google: 0 },
  });
  Object.assign(smtpPolicy, { refuseNext: 0, refuseWith: "challenge", refuseAll: false, authAttempts: 0 });
  smtp.received.length = 0;
});

function microsoftForm(overrides: Record<string, unknown> = {}) {
  return {
    name: "Exchange Online (OAuth2)",
    type: "MICROSOFT_365",
    host: "127.0.0.1",
    port: String(smtp.port),
    tlsMode: "STARTTLS",
    verifyCertificate: "",
    authMethod: "OAUTH2",
    username: MAILBOX,
    oauthTenantId: TENANT,
    oauthClientId: CLIENT_ID,
    oauthClientSecret: CLIENT_SECRET,
    oauthSecretExpiresAt: "2027-06-30",
    managedBy: "WERKGEVER",
    ...overrides,
  };
}

function serviceAccountKey(privateKey = keys.privateKey) {
  // token_uri points elsewhere on purpose: the token URL must come from configuration only.
  return JSON.stringify({
    type: "service_account",
    project_id: "klant-project",
    private_key_id: "0123456789abcdef",
    private_key: privateKey,
    client_email: SERVICE_ACCOUNT,
    client_id: "109876543210987654321",
    token_uri: "https://evil.example/token",
  });
}

function googleForm(overrides: Record<string, unknown> = {}) {
  return {
    name: "Google Workspace (OAuth2)",
    type: "GOOGLE_WORKSPACE",
    host: "127.0.0.1",
    port: String(smtp.port),
    tlsMode: "STARTTLS",
    verifyCertificate: "",
    authMethod: "OAUTH2",
    username: MAILBOX,
    oauthServiceAccountKey: serviceAccountKey(),
    managedBy: "WERKGEVER",
    ...overrides,
  };
}

const newServer = (form: Record<string, unknown>) => createServer(testDb(), actor, serverFormSchema.parse(form));
const drain = (serverId: string) => drainServer(testDb(), serverId, { workerId: "oauth-test", maxMs: 10_000 });
const statuses = async (ids: string[]) =>
  (await testDb().outboundMessage.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } })).map((m) => m.status);
const probe = (id: string) => testServerConnection(testDb(), actor, { id }, { allowPrivate: true, timeoutMs: 10_000 });

function errorsFor(input: Record<string, unknown>) {
  const result = serverFormSchema.safeParse(input);
  return result.success ? {} : fieldErrorsOf(result.error, t);
}

describe("the OAuth2 settings in the mail server form", () => {
  it("offers OAuth2 only for Microsoft 365 and Google Workspace", () => {
    expect(errorsFor({ ...microsoftForm(), type: "GENERIC" }).authMethod).toEqual(["OAuth2 is alleen beschikbaar voor Microsoft 365 en Google Workspace."]);
    expect(errorsFor({ ...microsoftForm(), type: "SENDGRID" }).authMethod).toHaveLength(1);
    expect(errorsFor(microsoftForm())).toEqual({});
    expect(errorsFor(googleForm())).toEqual({});
  });

  it.each([
    ["no mailbox", { username: "" }, "username", "Dit veld is verplicht."],
    ["a mailbox that is no address", { username: "verzuim" }, "username", "Vul het volledige e-mailadres van de mailbox in."],
    ["no tenant", { oauthTenantId: "" }, "oauthTenantId", "Dit veld is verplicht."],
    [
      "a tenant with a path in it",
      { oauthTenantId: "klant/../../evil" },
      "oauthTenantId",
      "Vul de tenant-ID in (een GUID) of het domein, zoals contoso.onmicrosoft.com.",
    ],
    ["a client id that is no GUID", { oauthClientId: "mijn-app" }, "oauthClientId", "Een client-ID is een GUID, zoals 11111111-2222-3333-4444-555555555555."],
    ["an impossible expiry date", { oauthSecretExpiresAt: "2027-02-30" }, "oauthSecretExpiresAt", "Vul een geldige datum in."],
  ])("refuses a Microsoft 365 server with %s", (_case, overrides, field, message) => {
    expect(errorsFor(microsoftForm(overrides))[field]).toEqual([message]);
  });

  it.each([
    ["malformed JSON", "{ type: service_account", "Dit is geen JSON-sleutelbestand. Plak de volledige inhoud van het bestand."],
    [
      "a key file without private_key",
      JSON.stringify({ type: "service_account", client_email: SERVICE_ACCOUNT }),
      "Het sleutelbestand bevat geen bruikbare private key (private_key). Maak een nieuwe JSON-sleutel aan.",
    ],
    [
      "a key file without client_email",
      JSON.stringify({ private_key: keys.privateKey }),
      "Het sleutelbestand bevat geen e-mailadres van het serviceaccount (client_email).",
    ],
  ])("refuses a Google service account key with %s, next to the field", (_case, key, message) => {
    expect(errorsFor(googleForm({ oauthServiceAccountKey: key })).oauthServiceAccountKey).toEqual([message]);
  });

  it("refuses a private key that cannot be read, and a new OAuth2 server without its secret", async () => {
    const garbled = keys.privateKey.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!");
    await expect(newServer(googleForm({ oauthServiceAccountKey: serviceAccountKey(garbled) }))).rejects.toMatchObject({ field: "oauthServiceAccountKey" });
    await expect(newServer(microsoftForm({ oauthClientSecret: "" }))).rejects.toMatchObject({ messageKey: "validation.required", field: "oauthClientSecret" });
    await expect(newServer(googleForm({ oauthServiceAccountKey: "" }))).rejects.toMatchObject({
      messageKey: "validation.required",
      field: "oauthServiceAccountKey",
    });
    expect(await testDb().mailServer.count()).toBe(0);
  });

  it("warns from 30 days before the client secret expires, and says when it has", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    expect(secretExpiry(new Date("2027-01-15T00:00:00Z"), now)).toBeNull();
    expect(secretExpiry(new Date("2026-12-31T00:00:00Z"), now)).toMatchObject({ state: "soon", days: 30 });
    expect(secretExpiry(new Date("2026-12-02T00:00:00Z"), now)).toMatchObject({ state: "soon", days: 1 });
    expect(secretExpiry(new Date("2026-12-01T00:00:00Z"), now)).toMatchObject({ state: "expired" });
    expect(secretExpiry(null, now)).toBeNull();
  });
});

describe("storing OAuth2 credentials", () => {
  it("keeps the client secret only encrypted, bound to its row, and out of the audit trail", async () => {
    const server = await newServer(microsoftForm());
    const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(row).toMatchObject({ authMethod: "OAUTH2", username: MAILBOX, oauthTenantId: TENANT, oauthClientId: CLIENT_ID, passwordBox: null });
    expect(row.oauthSecretExpiresAt?.toISOString()).toBe("2027-06-30T00:00:00.000Z");
    expect(row.oauthSecretBox).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(CLIENT_SECRET);
    expect(decryptSecret(row.oauthSecretBox!, oauthSecretAad(server.id))).toBe(CLIENT_SECRET);
    expect(() => decryptSecret(row.oauthSecretBox!, oauthSecretAad("00000000-0000-4000-8000-000000000000"))).toThrow();
    const dump = await testDb().$queryRaw<{ dump: string }[]>`SELECT string_agg(t::text, ' ') AS dump FROM "AuditEntry" t`;
    expect(dump[0]!.dump).toContain("oauthSecretStored");
    expect(dump[0]!.dump).not.toContain(CLIENT_SECRET);
  });

  it("keeps the service account's private key only encrypted, and its address as client id", async () => {
    const server = await newServer(googleForm());
    const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(row).toMatchObject({ oauthClientId: SERVICE_ACCOUNT, oauthTenantId: null, oauthSecretExpiresAt: null });
    expect(decryptSecret(row.oauthSecretBox!, oauthSecretAad(server.id))).toBe(keys.privateKey);
    const body = keys.privateKey.split("\n")[5]!;
    const tables = await testDb().$queryRaw<{ dump: string }[]>`
      SELECT concat_ws(' ', (SELECT string_agg(t::text, ' ') FROM "MailServer" t), (SELECT string_agg(t::text, ' ') FROM "AuditEntry" t)) AS dump`;
    expect(tables[0]!.dump).toContain(SERVICE_ACCOUNT);
    expect(tables[0]!.dump).not.toContain(body);
  });

  it("keeps the stored secret when left empty; a new tenant, client or secret is a connection change, a new expiry date is not", async () => {
    const server = await newServer(microsoftForm());
    const row = async () => testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    const box = (await row()).oauthSecretBox;
    const save = (overrides: Record<string, unknown>) =>
      updateServer(testDb(), actor, server.id, serverFormSchema.parse(microsoftForm({ oauthClientSecret: "", ...overrides })));

    expect(await save({ oauthSecretExpiresAt: "2027-12-31" })).toMatchObject({ connectionChanged: false });
    expect(await row()).toMatchObject({ oauthSecretBox: box, connectionVersion: 1 });
    expect(await save({ oauthTenantId: "klant.onmicrosoft.com" })).toMatchObject({ connectionChanged: true });
    expect(await save({ oauthTenantId: "klant.onmicrosoft.com", oauthClientId: "0f0e0d0c-0b0a-4909-8807-060504030201" })).toMatchObject({
      connectionChanged: true,
    });
    expect(
      await save({ oauthTenantId: "klant.onmicrosoft.com", oauthClientId: "0f0e0d0c-0b0a-4909-8807-060504030201", oauthClientSecret: "Nieuw~Geheim.123" }),
    ).toMatchObject({
      connectionChanged: true,
    });
    const after = await row();
    expect(after.connectionVersion).toBe(4);
    expect(decryptSecret(after.oauthSecretBox!, oauthSecretAad(server.id))).toBe("Nieuw~Geheim.123");
    const audit = await testDb().auditEntry.findMany({ where: { action: "mailserver.update" }, orderBy: { id: "asc" } });
    expect(audit.at(-1)!.after).toMatchObject({ oauthSecretReplaced: true, oauthSecretStored: true });
    expect(JSON.stringify(audit.map((entry) => [entry.summary, entry.params, entry.before, entry.after]))).not.toContain("Nieuw~Geheim.123");
  });

  it("drops the OAuth2 settings when the server goes back to a password, and wants a new secret for another type", async () => {
    const server = await newServer(microsoftForm());
    await expect(updateServer(testDb(), actor, server.id, serverFormSchema.parse(googleForm({ oauthServiceAccountKey: "" })))).rejects.toMatchObject({
      field: "oauthServiceAccountKey",
    });
    await updateServer(testDb(), actor, server.id, serverFormSchema.parse(microsoftForm({ authMethod: "PASSWORD", password: "Een-Wachtwoord-123" })));
    expect(await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).toMatchObject({
      authMethod: "PASSWORD",
      oauthTenantId: null,
      oauthClientId: null,
      oauthSecretBox: null,
      oauthSecretExpiresAt: null,
    });
  });

  it("never puts the secret, the key or a token in an action result", async () => {
    const admin = await testDb().user.create({ data: { email: "beheer@example.test", name: "Beheer", passwordHash: "x" } });
    currentUser = { id: admin.id, email: admin.email, name: admin.name, permissions: effectivePermissions(ALL_PERMISSIONS) };
    const { createServerAction, testServerAction, updateServerAction } = await import("@/lib/mailservers/actions.ts");
    const formData = (values: Record<string, unknown>) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(values)) data.append(key, String(value));
      return data;
    };
    const results: unknown[] = [];
    const created = await createServerAction(null, formData(microsoftForm()));
    results.push(created);
    expect(created).toMatchObject({ ok: true });
    const id = (created as { data: { id: string } }).data.id;
    results.push(await updateServerAction(null, formData({ ...microsoftForm({ name: "Hernoemd" }), id })));
    results.push(await updateServerAction(null, formData({ ...microsoftForm({ oauthClientId: "geen-guid" }), id })));
    results.push(await testServerAction(null, formData({ id })));
    results.push(await createServerAction(null, formData(googleForm())));
    results.push(await createServerAction(null, formData(googleForm({ oauthServiceAccountKey: `${serviceAccountKey().slice(0, -1)},` }))));
    expect(results.map((r) => (r as { ok: boolean }).ok)).toEqual([true, true, false, true, true, false]);
    expect((results[3] as { data: { ok: boolean } }).data.ok).toBe(true);
    const text = JSON.stringify(results);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(keys.privateKey.split("\n")[5]!);
    for (const token of tokenServer.issued.keys()) expect(text).not.toContain(token);
    currentUser = null;
  });
});

describe("delivery over XOAUTH2 through the engine and the transport pool", () => {
  it("delivers with a client-credentials token and reuses the cached token on a new connection", async () => {
    const server = await newServer(microsoftForm());
    const ids = await submitMany(testDb(), boss, server.id, 3);
    await drain(server.id);
    expect(await statuses(ids)).toEqual(["SENT", "SENT", "SENT"]);
    expect(smtp.received.map((mail) => mail.user)).toEqual([MAILBOX, MAILBOX, MAILBOX]);
    expect(tokenServer.requests.microsoft).toBe(1);

    closeTransport(server.id);
    const more = await submitMany(testDb(), boss, server.id, 2);
    await drain(server.id);
    expect(await statuses(more)).toEqual(["SENT", "SENT"]);
    expect(smtpPolicy.authAttempts).toBe(2);
    expect(tokenServer.requests.microsoft).toBe(1);
  });

  it("fetches a new token once the cached one is about to expire", { timeout: 20_000 }, async () => {
    tokenServer.expiresIn = 2;
    const server = await newServer(microsoftForm());
    await submitMany(testDb(), boss, server.id, 1);
    await drain(server.id);
    expect(smtp.received).toHaveLength(1);
    // Past the token's expiry: the SMTP server would refuse it now.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    closeTransport(server.id);
    await submitMany(testDb(), boss, server.id, 1);
    await drain(server.id);
    expect(smtp.received).toHaveLength(2);
    expect(tokenServer.requests.microsoft).toBe(2);
    expect(smtpPolicy.authAttempts).toBe(2);
  });

  it.each([
    ["with a challenge (Google, RFC 7628)", "challenge"],
    ["with 535 5.7.3 (Exchange Online)", "exchange"],
  ] as const)("renews a token the SMTP server refuses %s, once, and delivers", async (_case, style) => {
    smtpPolicy.refuseNext = 1;
    smtpPolicy.refuseWith = style;
    const server = await newServer(microsoftForm());
    const ids = await submitMany(testDb(), boss, server.id, 2);
    await drain(server.id);
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
    expect(tokenServer.requests.microsoft).toBe(2);
    expect((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).pausedAt).toBeNull();
  });

  it.each([
    ["an expired client secret", { microsoftMode: "expired" }, {}, "oauth-secret-expired"],
    ["a wrong or revoked client secret", {}, { oauthClientSecret: "Ingetrokken~Geheim" }, "oauth-secret-invalid"],
    ["missing admin consent", { microsoftMode: "consent" }, {}, "oauth-consent-missing"],
    ["an unknown tenant", {}, { oauthTenantId: "andere-klant.onmicrosoft.com" }, "oauth-tenant-not-found"],
    ["an app that is not in the tenant", {}, { oauthClientId: "99999999-8888-4777-8666-555555555555" }, "oauth-app-not-found"],
  ] as const)("pauses the server on %s with that explanation, keeping every message", async (_case, mode, overrides, explanation) => {
    Object.assign(tokenServer, mode);
    const server = await newServer(microsoftForm(overrides));
    const ids = await submitMany(testDb(), boss, server.id, 3);
    await drain(server.id);
    const paused = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(paused.pausedAt).not.toBeNull();
    expect(paused.pausedReason).toBe(explanation);
    expect(explanationById(paused.pausedReason!)?.action?.nl).toBeTruthy();
    expect(await statuses(ids)).toEqual(["QUEUED", "QUEUED", "QUEUED"]);
    const attempts = await testDb().deliveryAttempt.findMany({ where: { messageId: { in: ids } } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: "RETRY", explanationId: explanation });
    expect(attempts[0]!.error).not.toContain(CLIENT_SECRET);
    expect(smtp.received).toHaveLength(0);
  });

  it("pauses with the Exchange explanation when the mailbox never accepts the app's token", async () => {
    smtpPolicy.refuseAll = true;
    const server = await newServer(microsoftForm());
    const ids = await submitMany(testDb(), boss, server.id, 2);
    await drain(server.id);
    const paused = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(paused.pausedReason).toBe("oauth-exchange-not-authorized");
    expect(explanationById("oauth-exchange-not-authorized")?.action?.en).toContain("SMTP.SendAsApp");
    expect(await statuses(ids)).toEqual(["QUEUED", "QUEUED"]);
    // The refused token was forgotten and one new one tried before giving up.
    expect(tokenServer.requests.microsoft).toBe(2);
  });

  it("delivers as the mailbox with a Google service account's JWT bearer token", async () => {
    const server = await newServer(googleForm());
    const ids = await submitMany(testDb(), boss, server.id, 2);
    await drain(server.id);
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
    expect(tokenServer.requests.google).toBe(1);
    expect(smtp.received.every((mail) => mail.user === MAILBOX)).toBe(true);
  });

  it("shares one token request between concurrent callers, and a settings change never uses the old token", async () => {
    const server = await newServer(microsoftForm());
    const row = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    invalidateAccessToken(row);
    const [a, b] = await Promise.all([accessTokenFor(row), accessTokenFor(row)]);
    expect(a.accessToken).toBe(b.accessToken);
    expect(tokenServer.requests.microsoft).toBe(1);
    expect((await accessTokenFor(row)).accessToken).toBe(a.accessToken);
    const changed = await accessTokenFor({ ...row, connectionVersion: row.connectionVersion + 1 });
    expect(changed.accessToken).not.toBe(a.accessToken);
    expect(tokenServer.requests.microsoft).toBe(2);
  });
});

describe("Verbinding testen with OAuth2", () => {
  it("fetches a token as its first step, then authenticates with XOAUTH2, and shows neither token nor secret", async () => {
    const server = await newServer(microsoftForm());
    const result = await probe(server.id);
    expect(result.ok).toBe(true);
    expect(result.steps.map((step) => step.step)).toEqual([
      "token",
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
    expect(result.steps[0]!.detail).toMatch(/127\.0\.0\.1:\d+: access token received, valid for 60 min/);
    expect(result.steps.find((step) => step.step === "auth")).toMatchObject({ sent: `AUTH XOAUTH2 (${MAILBOX} / ••••••••)`, code: 235 });
    const stored = JSON.stringify((await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).lastTestResult);
    for (const text of [JSON.stringify(result), stored]) {
      expect(text).not.toContain(CLIENT_SECRET);
      for (const token of tokenServer.issued.keys()) expect(text).not.toContain(token);
    }
  });

  it("always asks for a fresh token, so it tests the credentials as they are now", async () => {
    const server = await newServer(microsoftForm());
    await submitMany(testDb(), boss, server.id, 1);
    await drain(server.id);
    expect(tokenServer.requests.microsoft).toBe(1);
    tokenServer.microsoftMode = "expired";
    const result = await probe(server.id);
    expect(result).toMatchObject({ ok: false, failedStep: "token" });
    const step = result.steps[0]!;
    expect(step).toMatchObject({ step: "token", ok: false, classification: "auth" });
    expect(step.explanation?.id).toBe("oauth-secret-expired");
    expect(step.explanation?.nl).toContain("verlopen");
    expect(step.detail).toContain("AADSTS7000222");
    expect(result.steps).toHaveLength(1);
    expect(await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } })).toMatchObject({ lastTestOk: false });
  });

  it("waits and retries (no pause, no 'mogelijk dubbel') while the token endpoint does not answer, then delivers", async () => {
    const server = await newServer(microsoftForm());
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { config } = await import("@/lib/config.ts");
    const cfg = config() as { MICROSOFT_LOGIN_URL: string };
    const saved = cfg.MICROSOFT_LOGIN_URL;
    cfg.MICROSOFT_LOGIN_URL = `http://127.0.0.1:${port}/ms`;
    const ids = await submitMany(testDb(), boss, server.id, 2);
    try {
      await drain(server.id);
    } finally {
      cfg.MICROSOFT_LOGIN_URL = saved;
    }
    const waiting = await testDb().mailServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(waiting.pausedAt).toBeNull();
    expect(waiting.deferredUntil!.getTime()).toBeGreaterThan(Date.now());
    const head = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ids[0]! }, include: { attempts: true } });
    expect(head).toMatchObject({ status: "DEFERRED", possibleDuplicate: false });
    expect(head.attempts[0]).toMatchObject({ outcome: "RETRY", explanationId: "oauth-endpoint-unreachable" });
    expect(smtp.received).toHaveLength(0);

    // The endpoint answers again: once the wait is over, the mail goes in order.
    await testDb().mailServer.update({ where: { id: server.id }, data: { deferredUntil: null } });
    await testDb().outboundMessage.updateMany({ where: { id: { in: ids } }, data: { nextAttemptAt: null } });
    await drain(server.id);
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
  });

  it("explains a token endpoint that does not answer", async () => {
    const server = await newServer(microsoftForm());
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const saved = process.env.MICROSOFT_LOGIN_URL;
    const { config } = await import("@/lib/config.ts");
    const cfg = config() as { MICROSOFT_LOGIN_URL: string };
    cfg.MICROSOFT_LOGIN_URL = `http://127.0.0.1:${port}/ms`;
    try {
      const result = await probe(server.id);
      expect(result.steps[0]).toMatchObject({ step: "token", ok: false, classification: "transient" });
      expect(result.steps[0]!.explanation?.id).toBe("oauth-endpoint-unreachable");
      expect(result.steps[0]!.detail).toContain("ECONNREFUSED");
    } finally {
      cfg.MICROSOFT_LOGIN_URL = saved!;
    }
  });

  it("explains a rejected token at the AUTH step", async () => {
    smtpPolicy.refuseAll = true;
    const server = await newServer(microsoftForm());
    const result = await probe(server.id);
    expect(result).toMatchObject({ ok: false, failedStep: "auth" });
    const auth = result.steps.find((step) => step.step === "auth")!;
    expect(auth).toMatchObject({ code: 535, classification: "auth" });
    expect(auth.explanation?.id).toBe("oauth-exchange-not-authorized");
  });

  it.each([
    ["a deleted or revoked key", { googlePublicKey: otherKeys.publicKey }, "oauth-google-key-invalid"],
    ["no domain-wide delegation", { googleMode: "unauthorized" }, "oauth-google-delegation-missing"],
  ] as const)("tests a Google service account and explains %s", async (_case, mode, explanation) => {
    const server = await newServer(googleForm());
    expect((await probe(server.id)).ok).toBe(true);
    Object.assign(tokenServer, mode);
    // The same server again only after the probe interval; a copy has the same credentials.
    const copy = await newServer(googleForm({ name: "Google Workspace (kopie)" }));
    const result = await probe(copy.id);
    expect(result.failedStep).toBe("token");
    expect(result.steps[0]!.explanation?.id).toBe(explanation);
  });

  it("shows Google's challenge details when a token is refused at AUTH", async () => {
    smtpPolicy.refuseNext = 5;
    const server = await newServer(googleForm());
    const result = await probe(server.id);
    const auth = result.steps.find((step) => step.step === "auth")!;
    expect(auth).toMatchObject({ ok: false, code: 535 });
    expect(auth.detail).toContain('"scope":"https://mail.google.com/"');
    expect(auth.explanation?.id).toBe("oauth-token-rejected");
  });
});

describe("sender configuration codes", () => {
  it("go through an OAuth2 server like any other mail", async () => {
    const server = await newServer(microsoftForm());
    const { addSender } = await import("@/lib/senders/mutations.ts");
    await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Verzuim", address: MAILBOX }, async () => ({ ok: true }));
    await drain(server.id);
    await waitUntil(() => smtp.received.length === 1, 5_000);
    expect(smtp.received[0]).toMatchObject({ from: MAILBOX, to: [MAILBOX], user: MAILBOX });
    expect(smtp.received[0]!.raw).toContain("configuratie");
  });
});
