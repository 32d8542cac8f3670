import { isIP } from "node:net";
import nodemailer, { type SendMailOptions, type SentMessageInfo, type Transporter } from "nodemailer";
import { config } from "@/lib/config.ts";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { passwordAad } from "@/lib/mailservers/credentials.ts";
import { resolveSmtpHost } from "@/lib/mailservers/host-guard.ts";
import { accessTokenFor, invalidateAccessToken, type OAuthServer } from "@/lib/mailservers/oauth.ts";
import type { AuthMethod, TlsMode } from "@/lib/mailservers/presets.ts";

type PooledServer = OAuthServer & {
  id: string;
  host: string;
  port: number;
  tlsMode: TlsMode;
  verifyCertificate: boolean;
  authMethod: AuthMethod;
  username: string | null;
  passwordBox: string | null;
  heloName: string | null;
  maxConnections: number;
  connectionVersion: number;
};
type Pooled = { key: string; transporter: Transporter };

const globalForPool = globalThis as typeof globalThis & { postkamerTransports?: Map<string, Pooled> };
const pools = (globalForPool.postkamerTransports ??= new Map());

/**
 * One pooled nodemailer transport per server per process, rebuilt when the server's settings
 * change. The host is checked by the SSRF guard once per build and the pool connects to that
 * address. `maxRequeues: 0`: a message on a connection that drops mid-send is not silently sent
 * again by the pool (the server may already have accepted it); the engine decides instead.
 */
export async function transportFor(server: PooledServer, options: { allowPrivate: boolean }): Promise<Transporter> {
  // What the transport is built from: credentials and account count through connectionVersion.
  // Not updatedAt: the engine itself updates the row (deferrals, pauses), and rebuilding would
  // drop every pooled connection (TLS and AUTH again) each time a limit window fills.
  const key = [server.connectionVersion, server.host, server.port, server.tlsMode, server.verifyCertificate, server.heloName ?? "", server.maxConnections].join(
    "|",
  );
  const existing = pools.get(server.id);
  if (existing?.key === key) return existing.transporter;
  existing?.transporter.close();
  const checked = await resolveSmtpHost(server.host, server.port, { allowPrivate: options.allowPrivate });
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: server.maxConnections,
    maxMessages: Infinity,
    maxRequeues: 0,
    host: checked.address,
    port: server.port,
    secure: server.tlsMode === "IMPLICIT",
    requireTLS: server.tlsMode === "STARTTLS",
    ignoreTLS: server.tlsMode === "NONE",
    tls: { rejectUnauthorized: server.verifyCertificate, ...(isIP(server.host) ? {} : { servername: server.host }) },
    auth: authFor(server),
    name: server.heloName ?? undefined,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: config().SMTP_TIMEOUT_SECONDS * 1000,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  if (server.authMethod === "OAUTH2") retryOnceWithNewToken(transporter, server);
  pools.set(server.id, { key, transporter });
  return transporter;
}

type PoolAuth = { user: string; pass: string } | { type: "OAuth2"; user: string; provisionCallback: ProvisionCallback } | undefined;
type ProvisionCallback = (user: string, renew: boolean, done: (error: Error | null, accessToken?: string, expires?: number) => void) => void;

function authFor(server: PooledServer): PoolAuth {
  if (server.authMethod === "PASSWORD" && server.username && server.passwordBox) {
    return { user: server.username, pass: decryptSecret(server.passwordBox, passwordAad(server.id)) };
  }
  if (server.authMethod === "OAUTH2" && server.username) {
    // nodemailer asks for a token per connection and again with renew=true when the server
    // answers XOAUTH2 with a challenge (the token was refused); `expires` is when it asks anew.
    // A token failure reaches the engine as EAUTH with oauth.ts's originalCode: "auth", pause.
    const provisionCallback: ProvisionCallback = (_user, renew, done) => {
      accessTokenFor(server, { renew }).then(
        (token) => done(null, token.accessToken, token.refreshAt),
        (error: Error) => done(error),
      );
    };
    return { type: "OAuth2", user: server.username, provisionCallback };
  }
  return undefined;
}

/**
 * Exchange Online refuses a token it no longer accepts with a plain 535 instead of a challenge,
 * so nodemailer does not renew it. Such a token may predate a permission the administrator has
 * just granted (the permissions are inside the token): forget it and try once more with a new
 * one. Safe to repeat: a refused AUTH comes before MAIL FROM, so nothing was sent.
 */
function retryOnceWithNewToken(transporter: Transporter, server: PooledServer): void {
  const original = transporter.sendMail.bind(transporter);
  const send = (mail: SendMailOptions): Promise<SentMessageInfo> => original(mail);
  const refusedToken = (error: unknown) => {
    const e = error as { code?: unknown; command?: unknown; responseCode?: unknown };
    return e.code === "EAUTH" && e.command === "AUTH XOAUTH2" && typeof e.responseCode === "number";
  };
  transporter.sendMail = (async (mail: SendMailOptions) => {
    try {
      return await send(mail);
    } catch (error) {
      if (!refusedToken(error)) throw error;
      invalidateAccessToken(server);
      return send(mail);
    }
  }) as unknown as Transporter["sendMail"];
}

export function closeTransport(serverId: string): void {
  pools.get(serverId)?.transporter.close();
  pools.delete(serverId);
}

export function closeAllTransports(): void {
  for (const { transporter } of pools.values()) transporter.close();
  pools.clear();
}

/**
 * How long a hand-over counts provisionally, before its real finish time is recorded: well above
 * connection + greeting + socket timeouts with the default SMTP_TIMEOUT_SECONDS.
 */
export const LONGEST_HANDOVER_MS = 10 * 60_000;
