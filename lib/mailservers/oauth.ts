import { createHash, createPrivateKey, createSign } from "node:crypto";
import { config } from "@/lib/config.ts";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { oauthSecretAad } from "./credentials.ts";
import type { ServerTypeId } from "./presets.ts";

/**
 * OAuth2 access tokens for XOAUTH2, fetched with the server's own credentials:
 * - Microsoft 365: the client-credentials grant against Entra ID (an app registration with the
 *   application permission SMTP.SendAsApp, registered in Exchange Online with access to the mailbox);
 * - Google Workspace: the JWT bearer grant of a service account with domain-wide delegation,
 *   acting as the mailbox (the server's user name).
 *
 * Tokens are cached per process until shortly before they expire. The cache key holds the
 * server's connectionVersion and a hash of its credentials, so a token fetched with settings that
 * have since changed is never used. Failures are OAuthTokenErrors whose `originalCode` names the
 * cause; lib/smtp/replies.ts explains each (ids "oauth-…") and classifies them as "auth", so the
 * delivery engine pauses the server with that explanation.
 */

export const MICROSOFT_SCOPE = "https://outlook.office365.com/.default";
export const GOOGLE_SCOPE = "https://mail.google.com/";

const TOKEN_TIMEOUT_MS = 15_000;
/** Refresh this long before expiry (or at half the lifetime of a shorter token). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** A token endpoint's answer is a small JSON object; anything bigger is not one. */
const MAX_RESPONSE_CHARS = 64 * 1024;
/** The lifetime a token endpoint implies when it does not say (both providers issue 1 hour). */
const DEFAULT_LIFETIME_S = 3600;

export type OAuthServer = {
  id: string;
  type: ServerTypeId;
  username: string | null;
  oauthTenantId: string | null;
  oauthClientId: string | null;
  oauthSecretBox: string | null;
  connectionVersion: number;
};

/** Why a token could not be had. Each is `OAUTH_<failure>` in replies.ts's catalogue. */
export type OAuthFailure =
  | "CONSENT_MISSING"
  | "TENANT_NOT_FOUND"
  | "APP_NOT_FOUND"
  | "SECRET_EXPIRED"
  | "SECRET_INVALID"
  | "DELEGATION_MISSING"
  | "KEY_INVALID"
  | "MAILBOX_UNKNOWN"
  | "INCOMPLETE"
  | "REFUSED"
  | "UNREACHABLE";

/**
 * In the shape of a nodemailer error (code, originalCode, command), so it classifies like one.
 * nodemailer rewrites `code` to EAUTH when it comes from the token provider and keeps
 * `originalCode`, which is why the cause lives there. The message never holds a secret.
 */
export class OAuthTokenError extends Error {
  code = "EOAUTH2";
  originalCode: string;
  command = "TOKEN";
  readonly failure: OAuthFailure;
  /** The provider's own error code, e.g. AADSTS7000222 or unauthorized_client. */
  readonly providerError?: string;
  constructor(failure: OAuthFailure, message: string, providerError?: string) {
    super(message);
    this.name = "OAuthTokenError";
    this.failure = failure;
    this.originalCode = `OAUTH_${failure}`;
    this.providerError = providerError;
  }
}

export type AccessToken = {
  accessToken: string;
  /** When the provider says the token expires (ms since the epoch). */
  expiresAt: number;
  /** When this process fetches a new one instead. */
  refreshAt: number;
};

type Cached = AccessToken & { key: string };

const globalForTokens = globalThis as typeof globalThis & {
  postkamerOAuthTokens?: Map<string, Cached>;
  postkamerOAuthPending?: Map<string, Promise<Cached>>;
};
const tokens = (globalForTokens.postkamerOAuthTokens ??= new Map());
const pending = (globalForTokens.postkamerOAuthPending ??= new Map());

function cacheKey(server: OAuthServer): string {
  const material = createHash("sha256")
    .update(JSON.stringify([server.type, server.oauthTenantId, server.oauthClientId, server.username, server.oauthSecretBox]))
    .digest("base64url")
    .slice(0, 22);
  return `${server.id}:${server.connectionVersion}:${material}`;
}

/**
 * A token for the server: the cached one while it is fresh, else a new one. `renew` skips the
 * cache (the SMTP server refused the cached token, or "Verbinding testen" must test the
 * credentials as they are now). Concurrent callers share one request.
 */
export async function accessTokenFor(server: OAuthServer, options: { renew?: boolean } = {}): Promise<AccessToken> {
  const key = cacheKey(server);
  const cached = tokens.get(server.id);
  if (!options.renew && cached?.key === key && cached.refreshAt > Date.now()) return publicToken(cached);
  return publicToken(await fetchShared(server, key));
}

/** Forgets the server's token, e.g. after the SMTP server refused it. */
export function invalidateAccessToken(server: { id: string }): void {
  tokens.delete(server.id);
}

/** The host the server's tokens come from, for the probe's report. */
export function tokenEndpointHost(server: Pick<OAuthServer, "type">): string {
  return new URL(server.type === "GOOGLE_WORKSPACE" ? config().GOOGLE_TOKEN_URL : config().MICROSOFT_LOGIN_URL).host;
}

function publicToken({ accessToken, expiresAt, refreshAt }: Cached): AccessToken {
  return { accessToken, expiresAt, refreshAt };
}

function fetchShared(server: OAuthServer, key: string): Promise<Cached> {
  const running = pending.get(key);
  if (running) return running;
  const request = requestToken(server)
    .then((token) => {
      // Stored under the key it was fetched for: a lookup with other settings never matches it.
      const cached = { ...token, key };
      tokens.set(server.id, cached);
      return cached;
    })
    .finally(() => pending.delete(key));
  pending.set(key, request);
  return request;
}

type TokenRequest = { url: string; body: URLSearchParams; provider: "microsoft" | "google" };

function tokenRequest(server: OAuthServer): TokenRequest {
  const clientId = server.oauthClientId?.trim();
  const mailbox = server.username?.trim();
  if (!clientId || !server.oauthSecretBox || !mailbox) {
    throw new OAuthTokenError("INCOMPLETE", "OAuth2 is not fully configured for this server (client id, secret or mailbox missing)");
  }
  const secret = decryptSecret(server.oauthSecretBox, oauthSecretAad(server.id));
  if (server.type === "MICROSOFT_365") {
    const tenant = server.oauthTenantId?.trim();
    if (!tenant) throw new OAuthTokenError("INCOMPLETE", "OAuth2 is not fully configured for this server (tenant missing)");
    return {
      provider: "microsoft",
      url: `${config().MICROSOFT_LOGIN_URL}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`,
      body: new URLSearchParams({ client_id: clientId, client_secret: secret, scope: MICROSOFT_SCOPE, grant_type: "client_credentials" }),
    };
  }
  if (server.type === "GOOGLE_WORKSPACE") {
    const url = config().GOOGLE_TOKEN_URL;
    const issuedAt = Math.floor(Date.now() / 1000);
    let assertion: string;
    try {
      assertion = signJwt({ iss: clientId, sub: mailbox, scope: GOOGLE_SCOPE, aud: url, iat: issuedAt, exp: issuedAt + DEFAULT_LIFETIME_S }, secret);
    } catch {
      throw new OAuthTokenError("KEY_INVALID", "The service account's private key cannot be used to sign");
    }
    return { provider: "google", url, body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }) };
  }
  throw new OAuthTokenError("INCOMPLETE", `OAuth2 is not available for server type ${server.type}`);
}

/** An RS256 JWT (RFC 7519), as Google's JWT bearer grant wants it. */
export function signJwt(claims: Record<string, unknown>, privateKeyPem: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(createPrivateKey(privateKeyPem)).toString("base64url");
  return `${unsigned}.${signature}`;
}

async function requestToken(server: OAuthServer): Promise<AccessToken> {
  const request = tokenRequest(server);
  const host = new URL(request.url).host;
  const started = Date.now();
  let status: number;
  let text: string;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: request.body,
      // The endpoint is configuration; a redirect elsewhere is not followed with credentials.
      redirect: "error",
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    status = response.status;
    text = (await response.text()).slice(0, MAX_RESPONSE_CHARS);
  } catch (error) {
    throw new OAuthTokenError("UNREACHABLE", `Token endpoint ${host} unreachable: ${networkReason(error)}`);
  }
  const body = parseJson(text);
  if (status >= 200 && status < 300 && typeof body?.access_token === "string" && body.access_token) {
    const lifetimeMs = Math.max(1, Number(body.expires_in) || DEFAULT_LIFETIME_S) * 1000;
    const expiresAt = started + lifetimeMs;
    return { accessToken: body.access_token, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
  }
  if (status >= 500 || status === 429 || !body) {
    throw new OAuthTokenError("UNREACHABLE", `Token endpoint ${host} not available (HTTP ${status})`);
  }
  throw refusal(request.provider, host, body);
}

type TokenErrorBody = { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown; error_codes?: unknown };

function parseJson(text: string): TokenErrorBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as TokenErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${TOKEN_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** Microsoft's AADSTS numbers and Google's error names, mapped to what the administrator must fix. */
const MICROSOFT_FAILURES: Record<string, OAuthFailure> = {
  "65001": "CONSENT_MISSING",
  "90002": "TENANT_NOT_FOUND",
  "900023": "TENANT_NOT_FOUND",
  "700016": "APP_NOT_FOUND",
  "7000222": "SECRET_EXPIRED",
  "7000215": "SECRET_INVALID",
};

function refusal(provider: TokenRequest["provider"], host: string, body: TokenErrorBody): OAuthTokenError {
  const error = typeof body.error === "string" ? body.error.slice(0, 100) : "unknown_error";
  // The first sentence only: Microsoft appends trace and correlation ids, noise in a log.
  const description = typeof body.error_description === "string" ? body.error_description.split(/\r?\n|(?<=\.)\s/)[0]!.slice(0, 300) : "";
  const message = `Token request refused by ${host}: ${error}${description ? ` (${description})` : ""}`;
  if (provider === "microsoft") {
    const codes = Array.isArray(body.error_codes) ? body.error_codes.map(String) : [];
    const fromText = /AADSTS(\d+)/.exec(description)?.[1];
    const aadsts = codes[0] ?? fromText;
    const failure = (aadsts && MICROSOFT_FAILURES[aadsts]) || (error === "invalid_client" ? "SECRET_INVALID" : "REFUSED");
    return new OAuthTokenError(failure, message, aadsts ? `AADSTS${aadsts}` : error);
  }
  if (error === "unauthorized_client") return new OAuthTokenError("DELEGATION_MISSING", message, error);
  if (error === "invalid_client" || /invalid JWT signature/i.test(description)) return new OAuthTokenError("KEY_INVALID", message, error);
  if (error === "invalid_grant" && /invalid email or user id|not a valid email/i.test(description))
    return new OAuthTokenError("MAILBOX_UNKNOWN", message, error);
  return new OAuthTokenError("REFUSED", message, error);
}
