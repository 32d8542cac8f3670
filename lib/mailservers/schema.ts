import { z } from "zod";
import { LIMIT_UNITS, LIMIT_WINDOWS, SERVER_TYPE_IDS, SES_REGIONS, TLS_MODES, AUTH_METHODS, WINDOW_SECONDS } from "./presets.ts";
import { email, text, uuid } from "@/lib/ui/fields.ts";

export const MANAGED_BY = ["WERKGEVER", "MEDISCHE_DIENST", "DERDE_PARTIJ"] as const;
export type ManagedBy = (typeof MANAGED_BY)[number];

const HOSTNAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^\[?[0-9a-f:.]+\]?$/i;

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
  username: z.string().trim().max(320, "validation.tooLong|max=320").optional(),
  /** Empty on edit means "keep the stored password". */
  password: z.string().max(4096, "validation.tooLong|max=4096").optional(),
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

type RawServer = { type?: unknown; region?: unknown; tlsMode?: unknown; acceptInsecure?: unknown; authMethod?: unknown; username?: unknown; limits?: unknown };

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
  if (value.authMethod === "PASSWORD" && !(typeof value.username === "string" && value.username.trim())) {
    ctx.addIssue({ code: "custom", path: ["username"], message: "validation.required" });
  }
  if (value.type === "AMAZON_SES" && !(SES_REGIONS as readonly string[]).includes(String(value.region ?? ""))) {
    ctx.addIssue({ code: "custom", path: ["region"], message: "validation.required" });
  }
}

type ParsedFields = z.output<z.ZodObject<typeof fields>>;

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
    username: input.authMethod === "PASSWORD" ? (input.username ?? null) : null,
    password: input.authMethod === "PASSWORD" && input.password ? input.password : undefined,
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
