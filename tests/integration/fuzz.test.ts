import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { ALL_PERMISSIONS, effectivePermissions } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Bad input, generated: at least 1,000 bodies against POST /api/v1/messages and the main forms.
 * Only 2xx or 4xx with field errors come back, never 5xx, and a refused request writes nothing.
 */
let currentUser: CurrentUser | null = null;
vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: (user: CurrentUser) => ({ id: user.id, label: user.email }),
  requirePagePermission: async () => currentUser,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

let key: string;

async function counts() {
  const [row] = await testDb().$queryRaw<{ messages: number; servers: number; users: number; templates: number; roles: number; keys: number }[]>`
    SELECT (SELECT count(*) FROM "OutboundMessage")::int AS messages, (SELECT count(*) FROM "MailServer")::int AS servers,
      (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM "MasterTemplate")::int AS templates,
      (SELECT count(*) FROM "Role")::int AS roles, (SELECT count(*) FROM "ApiKey")::int AS keys`;
  return row!;
}

beforeAll(async () => {
  await resetDatabase();
  await seed(testDb(), { adminEmail: "fuzz@example.test", adminPassword: "fuzz-password-1234" });
  const admin = await testDb().user.findFirstOrThrow();
  currentUser = { id: admin.id, email: admin.email, name: admin.name, permissions: effectivePermissions(ALL_PERMISSIONS) };
  ({ key } = await createApiKey(testDb(), { id: null, label: "fuzz" }, { name: "fuzz" }));
});
afterAll(async () => {
  const boss = (globalThis as { postkamerBoss?: Promise<{ stop(o: object): Promise<void> }> }).postkamerBoss;
  if (boss) await (await boss).stop({ graceful: false, close: true });
});

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "",
    " ",
    "a\r\nBcc: x@evil.example",
    "\u0000",
    "x".repeat(2000),
    "<script>alert(1)</script>",
    "🙂",
    "a@b",
    "@",
    "ä@ö.example",
    "verzuim@klant.example",
  ),
);
const recipient = fc.oneof(nasty, fc.emailAddress(), fc.record({ name: nasty, address: fc.oneof(fc.emailAddress(), nasty) }), fc.integer(), fc.constant(null));
const almostValid = fc.record(
  {
    template: fc.oneof(fc.constant("verzuim-werkgever"), nasty),
    to: fc.oneof(fc.array(recipient, { maxLength: 5 }), recipient),
    cc: fc.array(recipient, { maxLength: 3 }),
    subject: fc.oneof(nasty, fc.constant("Ziekmelding")),
    html: fc.oneof(nasty, fc.constant("<p>Hallo</p>")),
    text: nasty,
    replyTo: recipient,
    idempotencyKey: nasty,
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

const valid = fc.record({
  template: fc.constant("verzuim-werkgever"),
  to: fc.array(fc.constantFrom("a@werkgever.example", "b.c@werkgever.example", "hr@klant.example"), { minLength: 1, maxLength: 3 }),
  subject: fc.constantFrom("Ziekmelding", "Herstelmelding"),
  html: fc.constant("<p>Hallo</p>"),
});

describe("fuzzing the submission API", () => {
  it("answers 1,000 generated bodies with 202 or a 4xx, never a 5xx, and writes only what it accepts", async () => {
    const { POST } = await import("@/app/api/v1/messages/route.ts");
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(almostValid, fc.anything(), fc.json(), valid), async (body) => {
        const before = (await counts()).messages;
        const response = await POST(
          new Request("http://localhost/api/v1/messages", {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: typeof body === "string" ? body : JSON.stringify(body ?? null),
          }),
        );
        expect([202, 400, 413, 415, 422]).toContain(response.status);
        const after = (await counts()).messages;
        if (response.status === 202) {
          accepted++;
          expect(after - before).toBeLessThanOrEqual(1);
        } else {
          expect(after).toBe(before);
          const payload = (await response.json()) as { error: string; fields?: unknown[] };
          expect(payload.error).toBeTruthy();
        }
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

describe("fuzzing the main forms", () => {
  it("answers 1,000 generated form posts with ok or field errors, never a 5xx, and refused posts write nothing", async () => {
    const { createServerAction } = await import("@/lib/mailservers/actions.ts");
    const { createUserAction } = await import("@/lib/users/actions.ts");
    const { createTemplateAction, setTemplateRouteAction } = await import("@/lib/templates/actions.ts");
    const { createRoleAction } = await import("@/lib/rights/actions.ts");
    const { createApiKeyAction } = await import("@/lib/apikeys/actions.ts");
    const forms = [
      {
        action: createServerAction,
        fields: [
          "name",
          "type",
          "region",
          "host",
          "port",
          "tlsMode",
          "acceptInsecure",
          "verifyCertificate",
          "authMethod",
          "username",
          "password",
          "oauthTenantId",
          "oauthClientId",
          "oauthClientSecret",
          "oauthSecretExpiresAt",
          "oauthServiceAccountKey",
          "heloName",
          "managedBy",
          "maxRecipientsPerMessage",
          "maxConnections",
          "limitCount",
          "limitSize",
          "limitWindow",
          "limitUnit",
        ],
      },
      { action: createUserAction, fields: ["name", "email", "password", "roles"] },
      { action: createTemplateAction, fields: ["name", "key", "carries", "htmlFrame", "textFrame"] },
      { action: setTemplateRouteAction, fields: ["templateId", "serverId", "senderId", "fgConsent"] },
      { action: createRoleAction, fields: ["name"] },
      { action: createApiKeyAction, fields: ["name"] },
    ];
    const value = fc.oneof(
      nasty,
      fc.constantFrom(
        "MICROSOFT_365",
        "GOOGLE_WORKSPACE",
        "GENERIC",
        "STARTTLS",
        "NONE",
        "PASSWORD",
        "OAUTH2",
        "{}",
        '{"private_key":"x","client_email":"a@b.example"}',
        "2027-02-30",
        "WERKGEVER",
        "MEDISCH",
        "MINUTE",
        "MESSAGES",
        "587",
        "0",
        "-1",
        "on",
        "00000000-0000-4000-8000-000000000000",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: forms.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 1, maxLength: 3 })), { maxLength: 12 }),
        async (which, entries) => {
          const form = forms[which]!;
          const data = new FormData();
          for (const [field, values] of entries) for (const v of values) data.append(form.fields[field % form.fields.length]!, v);
          const before = await counts();
          const result = (await form.action(null, data as never)) as { ok: boolean; status?: number; fieldErrors?: unknown };
          expect(result.ok || (result.status !== undefined && result.status < 500), JSON.stringify(result)).toBe(true);
          if (!result.ok) expect(await counts()).toEqual(before);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
