import { z } from "zod";
import { LIMIT_UNITS, LIMIT_WINDOWS, SERVER_TYPE_IDS, SES_REGIONS, TLS_MODES, AUTH_METHODS, WINDOW_SECONDS, supportsOAuth } from "./presets.ts";
import { email, hasControlCharacters, text, uuid } from "@/lib/ui/fields.ts";

export const MANAGED_BY = ["WERKGEVER", "MEDISCHE_DIENST", "DERDE_PARTIJ"] as const;
export type ManagedBy = (typeof MANAGED_BY)[number];

const HOSTNAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^\[?[0-9a-f:.]+\]?$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAILBOX = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PRIVATE_KEY_PEM = /-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----/;

const host = z
  .string({ error: "validation.required" })
  .trim()
  .min(1, { message: "validation.required", abort: true })
  .max(253, { message: "validation.tooLong|max=253", abort: true })
  .refine((value) => HOSTNAME.test(value) || IPV4.test(value) || (value.includes(":") && IPV6.test(value)), "mailservers.errors.host")
  .transform((value) => value.replace(/^\[|\]$/g, "").toLowerCase());

/** A whole number from a form field; empty means "not given". */
function wholeNumber(min: number, max: number, messageKey: string) {
  return z
    .string()
    .trim()
    .transform((value, ctx) => {
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        ctx.addIssue({ code: "custom", message: messageKey });
        return z.NEVER;
      }
      return Number(value);
    });
}

const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal("")])
  .optional()
  .transform((value) => value === "on" || value === "true");

/** Limit rows arrive as three parallel lists (limitCount, limitWindow, limitUnit), one entry per row. */
function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function zipLimits(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray((raw as { limits?: unknown }).limits)) return raw;
  const { limitCount, limitWindow, limitSize, limitUnit, ...rest } = raw as Record<string, unknown>;
  const counts = asList(limitCount);
  const windows = asList(limitWindow);
  const sizes = asList(limitSize);
  const units = asList(limitUnit);
  const rows = Math.max(counts.length, windows.length, units.length);
  return {
    ...rest,
    limits: Array.from({ length: rows }, (_, i) => ({ count: counts[i] ?? "", window: windows[i], windowSize: sizes[i] || "1", unit: units[i] })),
  };
}

export const limitSchema = z.object({
  count: wholeNumber(1, 1_000_000_000, "mailservers.errors.limitCount"),
  window: z.enum(LIMIT_WINDOWS, { error: "validation.required" }),
  windowSize: z.union([z.number().int().min(1).max(1000), wholeNumber(1, 1000, "mailservers.errors.windowSize")]),
  unit: z.enum(LIMIT_UNITS, { error: "validation.required" }),
});

const fields = {
  name: text(100),
  type: z.enum(SERVER_TYPE_IDS, { error: "validation.required" }),
  region: z.string().optional(),
  host,
  port: wholeNumber(1, 65_535, "mailservers.errors.port"),
  tlsMode: z.enum(TLS_MODES, { error: "validation.required" }),
  acceptInsecure: checkbox,
  verifyCertificate: checkbox,
  authMethod: z.enum(AUTH_METHODS, { error: "validation.required" }),
  // Goes into AUTH and XOAUTH2 as typed: a line break or other control character is never part of a user name.
  username: z
    .string()
    .trim()
    .max(320, "validation.tooLong|max=320")
    .optional()
    .refine((value) => !value || !hasControlCharacters(value), "validation.controlCharacters"),
  /** Empty on edit means "keep the stored password". */
  password: z.string().max(4096, "validation.tooLong|max=4096").optional(),
  /** OAuth2 (Microsoft 365): checked in crossFieldRules, only when OAuth2 is chosen. */
  oauthTenantId: z.string().trim().max(253, "validation.tooLong|max=253").optional(),
  oauthClientId: z.string().trim().max(100, "validation.tooLong|max=100").optional(),
  /** Write-only like the password: empty on edit keeps the stored secret. */
  oauthClientSecret: z.string().max(4096, "validation.tooLong|max=4096").optional(),
  /** YYYY-MM-DD from a date input; optional. */
  oauthSecretExpiresAt: z.string().trim().max(10, "mailservers.errors.date").optional(),
  /** OAuth2 (Google Workspace): the service account's JSON key file, write-only. */
  oauthServiceAccountKey: z.string().max(16_384, "validation.tooLong|max=16384").optional(),
  heloName: z
    .string()
    .trim()
    .max(253, "validation.tooLong|max=253")
    .optional()
    .refine((value) => !value || HOSTNAME.test(value), "mailservers.errors.heloName"),
  managedBy: z.enum(MANAGED_BY, { error: "validation.required" }),
  maxRecipientsPerMessage: z
    .string()
    .trim()
    .optional()
    .transform((value) => value ?? "")
    .pipe(z.union([z.literal("").transform(() => null), wholeNumber(1, 100_000, "mailservers.errors.maxRecipients")])),
  limits: z.array(limitSchema).max(20, "mailservers.errors.tooManyLimits"),
  maxConnections: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || "1")
    .pipe(wholeNumber(1, 20, "mailservers.errors.maxConnections")),
};

type RawServer = {
  type?: unknown;
  region?: unknown;
  tlsMode?: unknown;
  acceptInsecure?: unknown;
  authMethod?: unknown;
  username?: unknown;
  limits?: unknown;
  oauthTenantId?: unknown;
  oauthClientId?: unknown;
  oauthSecretExpiresAt?: unknown;
  oauthServiceAccountKey?: unknown;
};

export type ServiceAccountKey = { clientEmail: string; privateKey: string };

/**
 * The JSON key file Google offers for a service account. Only client_email and private_key are
 * kept; the token URL in the file is ignored on purpose (it comes from configuration).
 */
export function parseServiceAccountKey(json: string): { ok: true; key: ServiceAccountKey } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: "mailservers.errors.serviceAccountJson" };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "mailservers.errors.serviceAccountJson" };
  const { private_key: privateKey, client_email: clientEmail } = value as Record<string, unknown>;
  if (typeof privateKey !== "string" || !PRIVATE_KEY_PEM.test(privateKey)) return { ok: false, error: "mailservers.errors.serviceAccountPrivateKey" };
  if (typeof clientEmail !== "string" || !MAILBOX.test(clientEmail)) return { ok: false, error: "mailservers.errors.serviceAccountClientEmail" };
  return { ok: true, key: { clientEmail: clientEmail.trim(), privateKey } };
}

/** A date input's value as midnight UTC of that day; undefined when it is not a real date. */
export function parseIsoDate(value: string): Date | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const valid = date.getUTCFullYear() === Number(match[1]) && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
  return valid && date.getUTCFullYear() >= 2000 && date.getUTCFullYear() <= 2199 ? date : undefined;
}

const filled = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";

/** OAuth2's own fields, checked only when OAuth2 is chosen (the form may post the others' too). */
function oauthRules(value: RawServer, ctx: z.RefinementCtx) {
  if (!supportsOAuth(value.type)) {
    ctx.addIssue({ code: "custom", path: ["authMethod"], message: "mailservers.errors.oauthType" });
    return;
  }
  if (filled(value.username) && !MAILBOX.test(value.username.trim())) {
    ctx.addIssue({ code: "custom", path: ["username"], message: "mailservers.errors.oauthMailbox" });
  }
  if (value.type === "MICROSOFT_365") {
    const tenant = typeof value.oauthTenantId === "string" ? value.oauthTenantId.trim() : "";
    if (!tenant) ctx.addIssue({ code: "custom", path: ["oauthTenantId"], message: "validation.required" });
    else if (!GUID.test(tenant) && !(HOSTNAME.test(tenant) && tenant.includes("."))) {
      ctx.addIssue({ code: "custom", path: ["oauthTenantId"], message: "mailservers.errors.oauthTenant" });
    }
    const clientId = typeof value.oauthClientId === "string" ? value.oauthClientId.trim() : "";
    if (!clientId) ctx.addIssue({ code: "custom", path: ["oauthClientId"], message: "validation.required" });
    else if (!GUID.test(clientId)) ctx.addIssue({ code: "custom", path: ["oauthClientId"], message: "mailservers.errors.oauthClientId" });
    if (filled(value.oauthSecretExpiresAt) && !parseIsoDate(value.oauthSecretExpiresAt.trim())) {
      ctx.addIssue({ code: "custom", path: ["oauthSecretExpiresAt"], message: "mailservers.errors.date" });
    }
  } else if (filled(value.oauthServiceAccountKey)) {
    const parsed = parseServiceAccountKey(value.oauthServiceAccountKey);
    if (!parsed.ok) ctx.addIssue({ code: "custom", path: ["oauthServiceAccountKey"], message: parsed.error });
  }
}

/**
 * Rules across fields. They run even when single fields failed (`when`), so the administrator
 * sees every mistake at once instead of one round at a time.
 */
function crossFieldRules(value: RawServer, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  (Array.isArray(value.limits) ? (value.limits as { window?: unknown; windowSize?: unknown; unit?: unknown }[]) : []).forEach((row, i) => {
    if (typeof row?.window !== "string" || typeof row.unit !== "string" || !(row.window in WINDOW_SECONDS)) return;
    // "60 per second" twice, or "per 60 seconds" next to "per minute": the same window.
    const key = `${WINDOW_SECONDS[row.window as keyof typeof WINDOW_SECONDS] * Number(row.windowSize ?? 1)}:${row.unit}`;
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["limits", i, "window"], message: "mailservers.errors.duplicateLimit" });
    seen.add(key);
  });
  if (value.tlsMode === "NONE" && value.acceptInsecure !== true && value.acceptInsecure !== "on") {
    ctx.addIssue({ code: "custom", path: ["acceptInsecure"], message: "mailservers.errors.acceptInsecure" });
  }
  if ((value.authMethod === "PASSWORD" || value.authMethod === "OAUTH2") && !(typeof value.username === "string" && value.username.trim())) {
    ctx.addIssue({ code: "custom", path: ["username"], message: "validation.required" });
  }
  if (value.authMethod === "OAUTH2") oauthRules(value, ctx);
  if (value.type === "AMAZON_SES" && !(SES_REGIONS as readonly string[]).includes(String(value.region ?? ""))) {
    ctx.addIssue({ code: "custom", path: ["region"], message: "validation.required" });
  }
}

type ParsedFields = z.output<z.ZodObject<typeof fields>>;

/**
 * OAuth2 settings as stored. `oauthClientId` undefined (Google, no new key) and `oauthSecret`
 * undefined (nothing typed) both mean "keep what is stored".
 */
function oauthInput(input: ParsedFields) {
  if (input.authMethod !== "OAUTH2") {
    return { oauthTenantId: null, oauthClientId: null, oauthSecret: undefined, oauthSecretExpiresAt: null };
  }
  if (input.type === "GOOGLE_WORKSPACE") {
    const parsed = input.oauthServiceAccountKey?.trim() ? parseServiceAccountKey(input.oauthServiceAccountKey) : undefined;
    const key = parsed?.ok ? parsed.key : undefined;
    return { oauthTenantId: null, oauthClientId: key?.clientEmail, oauthSecret: key?.privateKey, oauthSecretExpiresAt: null };
  }
  return {
    oauthTenantId: input.oauthTenantId?.trim() || null,
    oauthClientId: input.oauthClientId?.trim().toLowerCase() || null,
    // Entra ID secrets hold no spaces; a pasted line break or space would only make it wrong.
    oauthSecret: input.oauthClientSecret?.trim() || undefined,
    oauthSecretExpiresAt: input.oauthSecretExpiresAt ? (parseIsoDate(input.oauthSecretExpiresAt) ?? null) : null,
  };
}

function toServerInput(input: ParsedFields) {
  return {
    name: input.name,
    type: input.type,
    region: input.type === "AMAZON_SES" ? (input.region ?? null) : null,
    host: input.host,
    port: input.port,
    tlsMode: input.tlsMode,
    verifyCertificate: input.verifyCertificate,
    authMethod: input.authMethod,
    username: input.authMethod === "PASSWORD" || input.authMethod === "OAUTH2" ? (input.username ?? null) : null,
    password: input.authMethod === "PASSWORD" && input.password ? input.password : undefined,
    ...oauthInput(input),
    heloName: input.heloName || null,
    managedBy: input.managedBy,
    maxRecipientsPerMessage: input.maxRecipientsPerMessage,
    maxConnections: input.maxConnections,
    limits: input.limits,
  };
}

const always = { when: () => true };

export const serverFormSchema = z.preprocess(zipLimits, z.object(fields).superRefine(crossFieldRules, always)).transform(toServerInput);

export type ServerInput = z.output<typeof serverFormSchema>;

export const serverIdSchema = z.object({ id: uuid });

/** The learned recipient cap's buttons: which server. The cap itself is never taken from the form. */
export const recipientCapSuggestionSchema = z.object({ serverId: uuid });

export const updateServerSchema = z
  .preprocess(zipLimits, z.object({ ...fields, id: uuid }).superRefine(crossFieldRules, always))
  .transform((input) => ({ id: input.id, ...toServerInput(input) }));

export const probeSchema = z.object({
  id: uuid,
  mailFrom: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined)
    .pipe(email.optional()),
  rcptTo: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined)
    .pipe(email.optional()),
});
