import { isIP } from "node:net";
import nodemailer from "nodemailer";
import { decryptSecret } from "@/lib/crypto/secret-box.ts";
import { HostRefusedError, resolveSmtpHost } from "@/lib/mailservers/host-guard.ts";
import { passwordAad } from "@/lib/mailservers/credentials.ts";
import type { TlsMode } from "@/lib/mailservers/presets.ts";
import { deliveryErrorOutcome, type DeliveryErrorOutcome, type DeliveryTry } from "./platform-transport.ts";

export type CustomerServer = {
  id: string;
  host: string;
  port: number;
  tlsMode: TlsMode;
  verifyCertificate: boolean;
  authMethod: "PASSWORD" | "NONE";
  username: string | null;
  passwordBox: string | null;
  heloName: string | null;
};

export type ServerMessage = {
  from: { name: string; address: string };
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string | null;
  subject: string;
  text?: string | null;
  html?: string | null;
  messageId: string;
};

export type ServerDeliveryOutcome = DeliveryErrorOutcome & { messageId: string; tried: DeliveryTry[]; rejected?: string[] };

/**
 * Hands one message to a customer's mail server, as the server's settings say: TLS mode,
 * certificate check, credentials (decrypted only here, in memory). The host is resolved and
 * checked first (SSRF guard) and the connection goes to that checked address, with the host
 * name kept for SNI and the certificate check. Failures come back as outcomes, never throws.
 */
export async function sendViaServer(server: CustomerServer, message: ServerMessage, options: { allowPrivate: boolean }): Promise<ServerDeliveryOutcome> {
  const started = Date.now();
  const tried: DeliveryTry = { host: server.host, port: server.port, ok: false, ms: 0 };
  let address: string;
  try {
    const checked = await resolveSmtpHost(server.host, server.port, { allowPrivate: options.allowPrivate });
    address = checked.address;
    tried.address = address;
  } catch (error) {
    tried.error = error instanceof HostRefusedError ? error.message : String(error);
    tried.ms = Date.now() - started;
    return { ...deliveryErrorOutcome(error), messageId: message.messageId, tried: [tried] };
  }
  const transport = nodemailer.createTransport({
    host: address,
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
    socketTimeout: 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: message.from,
      to: message.to,
      cc: message.cc,
      bcc: message.bcc,
      replyTo: message.replyTo ?? undefined,
      subject: message.subject,
      text: message.text ?? undefined,
      html: message.html ?? undefined,
      messageId: message.messageId,
      envelope: { from: message.from.address, to: [...message.to, ...(message.cc ?? []), ...(message.bcc ?? [])] },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    tried.ok = true;
    tried.response = info.response;
    tried.responseCode = Number(/^(\d{3})/.exec(info.response ?? "")?.[1] ?? 250);
    tried.ms = Date.now() - started;
    return {
      status: "sent",
      classification: "success",
      response: info.response,
      responseCode: tried.responseCode,
      messageId: message.messageId,
      tried: [tried],
      ...(info.rejected.length ? { rejected: info.rejected.map(String) } : {}),
    };
  } catch (error) {
    const outcome = deliveryErrorOutcome(error);
    tried.responseCode = outcome.responseCode;
    tried.response = outcome.response;
    tried.error = error instanceof Error ? error.message : String(error);
    tried.ms = Date.now() - started;
    return { ...outcome, messageId: message.messageId, tried: [tried] };
  } finally {
    transport.close();
  }
}
