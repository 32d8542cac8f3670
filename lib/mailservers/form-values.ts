import { presetFor, type AuthMethod, type LimitUnit, type LimitWindow, type ServerTypeId, type TlsMode } from "./presets.ts";
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
    username: preset.username || base.username || "",
    oauthTenantId: base.oauthTenantId ?? "",
    oauthClientId: base.oauthClientId ?? "",
    oauthSecretExpiresAt: base.oauthSecretExpiresAt ?? "",
    heloName: base.heloName ?? "",
    managedBy: base.managedBy ?? "WERKGEVER",
    maxRecipientsPerMessage: preset.maxRecipientsPerMessage ? String(preset.maxRecipientsPerMessage) : "",
    maxConnections: base.maxConnections ?? "1",
    limits: preset.limits.map((limit) => ({
      key: newLimitKey(),
      count: String(limit.count),
      size: String(limit.windowSize ?? 1),
      window: limit.window,
      unit: limit.unit,
    })),
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
