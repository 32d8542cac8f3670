import { isIP } from "node:net";
import nodemailer, { type Transporter } from "nodemailer";
import { config } from "@/lib/config.ts";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { passwordAad } from "@/lib/mailservers/credentials.ts";
import { resolveSmtpHost } from "@/lib/mailservers/host-guard.ts";
import type { TlsMode } from "@/lib/mailservers/presets.ts";

type PooledServer = {
  id: string;
  host: string;
  port: number;
  tlsMode: TlsMode;
  verifyCertificate: boolean;
  authMethod: "PASSWORD" | "NONE";
  username: string | null;
  passwordBox: string | null;
  heloName: string | null;
  maxConnections: number;
  connectionVersion: number;
  updatedAt: Date;
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
  const key = `${server.connectionVersion}:${server.updatedAt.getTime()}:${server.maxConnections}`;
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
    auth:
      server.authMethod === "PASSWORD" && server.username && server.passwordBox
        ? { user: server.username, pass: decryptSecret(server.passwordBox, passwordAad(server.id)) }
        : undefined,
    name: server.heloName ?? undefined,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: config().SMTP_TIMEOUT_SECONDS * 1000,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  pools.set(server.id, { key, transporter });
  return transporter;
}

export function closeTransport(serverId: string): void {
  pools.get(serverId)?.transporter.close();
  pools.delete(serverId);
}

export function closeAllTransports(): void {
  for (const { transporter } of pools.values()) transporter.close();
  pools.clear();
}

/** The longest one hand-over can take: connection + greeting + socket timeouts, with margin. */
export const LONGEST_HANDOVER_MS = 10 * 60_000;
