import { presetFor, type AuthMethod, type LimitUnit, type LimitWindow, type ServerTypeId, type TlsMode } from "./presets.ts";
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
    limits: preset.limits.map((limit) => ({ key: newLimitKey(), count: String(limit.count), size: String(limit.windowSize ?? 1), window: limit.window, unit: limit.unit })),
  };
}

