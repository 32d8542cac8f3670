import { authMethodsFor, presetFor, type AuthMethod, type LimitUnit, type LimitWindow, type ServerTypeId, type TlsMode } from "./presets.ts";
import type { ServerView } from "./data.ts";
import type { ManagedBy } from "./schema.ts";

/** The mail server form's state: text fields as typed, limits as editable rows. Runs anywhere. */
export type ServerFormValues = {
  id?: string;
  name: string;
  type: ServerTypeId;
  region: string;
  host: string;
  port: string;
  tlsMode: TlsMode;
  verifyCertificate: boolean;
  authMethod: AuthMethod;
  username: string;
  /** OAuth2 (Microsoft 365); the secret itself is write-only and never part of the values. */
  oauthTenantId: string;
  oauthClientId: string;
  /** YYYY-MM-DD, as a date input wants it. */
  oauthSecretExpiresAt: string;
  heloName: string;
  managedBy: ManagedBy;
  maxRecipientsPerMessage: string;
  maxConnections: string;
  limits: { key: number; count: string; size: string; window: LimitWindow; unit: LimitUnit }[];
  /** "Ik begrijp…" for a server without encryption, as stored: given once, shown ticked. */
  acceptInsecure: boolean;
};

let nextKey = 1;

/** React keys for limit rows, so removing a row keeps the others' input state. */
export function newLimitKey(): number {
  return nextKey++;
}

export function valuesFromPreset(type: ServerTypeId, base: Partial<ServerFormValues> = {}): ServerFormValues {
  const preset = presetFor(type, { region: base.region || undefined });
  return {
    name: base.name ?? "",
    type,
    region: preset.region ?? "",
    host: preset.host,
    port: String(preset.port),
    tlsMode: preset.tlsMode,
    verifyCertificate: true,
    authMethod: preset.authMethod,
    username: preset.username,
    oauthTenantId: base.oauthTenantId ?? "",
    oauthClientId: base.oauthClientId ?? "",
    oauthSecretExpiresAt: base.oauthSecretExpiresAt ?? "",
    heloName: base.heloName ?? "",
    managedBy: base.managedBy ?? "WERKGEVER",
    maxRecipientsPerMessage: preset.maxRecipientsPerMessage ? String(preset.maxRecipientsPerMessage) : "",
    maxConnections: base.maxConnections ?? "1",
    acceptInsecure: false,
    limits: preset.limits.map((limit) => ({
      key: newLimitKey(),
      count: String(limit.count),
      size: String(limit.windowSize ?? 1),
      window: limit.window,
      unit: limit.unit,
    })),
  };
}

/**
 * Choosing another type in the form. The rule: a field that still holds what the previous type's
 * preset filled in follows the new preset (SendGrid's user name "apikey", a provider's host, port,
 * TLS mode, authentication, recipient cap, each of its limits); a value the administrator typed or
 * changed stays, so nothing typed is lost by looking at another type. A typed value the new type
 * cannot take (OAuth2 for a type without it, a region outside Amazon SES) gives way to the preset.
 */
export function switchType(values: ServerFormValues, type: ServerTypeId): ServerFormValues {
  if (type === values.type) return values;
  const before = presetFor(values.type, { region: values.region || undefined });
  const region = type === "AMAZON_SES" ? values.region || undefined : undefined;
  const after = presetFor(type, { region });
  const untouched = (value: string, presetValue: string) => value.trim() === "" || value.trim().toLowerCase() === presetValue.toLowerCase();
  const follow = (value: string, was: string, now: string) => (untouched(value, was) ? now : value);
  const cap = (n: number | null) => (n ? String(n) : "");
  const sameLimit = (row: ServerFormValues["limits"][number], limit: (typeof before.limits)[number]) =>
    row.count.trim() === String(limit.count) &&
    (row.size.trim() || "1") === String(limit.windowSize ?? 1) &&
    row.window === limit.window &&
    row.unit === limit.unit;
  const typedLimits = values.limits.filter((row) => !before.limits.some((limit) => sameLimit(row, limit)));
  const authMethod = values.authMethod === before.authMethod || !authMethodsFor(type).includes(values.authMethod) ? after.authMethod : values.authMethod;
  return {
    ...values,
    type,
    region: after.region ?? "",
    host: follow(values.host, before.host, after.host),
    port: follow(values.port, String(before.port), String(after.port)),
    tlsMode: values.tlsMode === before.tlsMode ? after.tlsMode : values.tlsMode,
    authMethod,
    username: follow(values.username, before.username, after.username),
    maxRecipientsPerMessage: follow(values.maxRecipientsPerMessage, cap(before.maxRecipientsPerMessage), cap(after.maxRecipientsPerMessage)),
    // A typed limit for the same window and unit wins over the new preset's (two would be refused as a duplicate).
    limits: [
      ...after.limits
        .filter(
          (limit) =>
            !typedLimits.some((row) => row.window === limit.window && (row.size.trim() || "1") === String(limit.windowSize ?? 1) && row.unit === limit.unit),
        )
        .map((limit) => ({ key: newLimitKey(), count: String(limit.count), size: String(limit.windowSize ?? 1), window: limit.window, unit: limit.unit })),
      ...typedLimits,
    ],
  };
}

/** The edit form's starting values: the stored server as the form shows it. */
export function serverFormValues(server: ServerView): ServerFormValues {
  return {
    id: server.id,
    name: server.name,
    type: server.type,
    region: server.region ?? "",
    host: server.host,
    port: String(server.port),
    tlsMode: server.tlsMode,
    verifyCertificate: server.verifyCertificate,
    authMethod: server.authMethod,
    username: server.username ?? "",
    oauthTenantId: server.oauthTenantId ?? "",
    // Google's client id is the service account's address, taken from the key file, not typed.
    oauthClientId: server.type === "MICROSOFT_365" ? (server.oauthClientId ?? "") : "",
    oauthSecretExpiresAt: server.oauthSecretExpiresAt?.toISOString().slice(0, 10) ?? "",
    heloName: server.heloName ?? "",
    managedBy: server.managedBy,
    maxRecipientsPerMessage: server.maxRecipientsPerMessage ? String(server.maxRecipientsPerMessage) : "",
    maxConnections: String(server.maxConnections),
    acceptInsecure: server.tlsMode === "NONE" && server.insecureAcknowledgedAt !== null,
    // Keys far above newLimitKey()'s, so rows added in the browser never share one with these.
    limits: server.limits.map((limit, index) => ({
      key: index + 1_000_000,
      count: String(limit.count),
      size: String(limit.windowSize),
      window: limit.window,
      unit: limit.unit,
    })),
  };
}

/** The OAuth2 secret the form may keep: for the type it was entered for (Google: for this service account). */
export function storedOAuthSecret(server: ServerView): { type: ServerTypeId; account: string } | undefined {
  return server.authMethod === "OAUTH2" && server.oauthSecretStored ? { type: server.type, account: server.oauthClientId ?? "" } : undefined;
}
