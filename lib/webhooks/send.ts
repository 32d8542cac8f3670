import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { HostRefusedError, resolveSmtpHost, STANDARD_SMTP_PORTS, type CheckedHost, type HostResolver } from "@/lib/mailservers/host-guard.ts";

/**
 * The SSRF guard for webhook URLs: the same resolve-and-check as a mail server's host
 * (lib/mailservers/host-guard.ts), run when the endpoint is saved and again before every call,
 * and the call goes to the checked address (a second lookup could be answered differently: DNS
 * rebinding). https on the standard port only, unless private addresses are allowed (tests,
 * trial mode): then http and any port too. Redirects are not followed.
 */
export type WebhookUrlProblem = "INVALID_URL" | "HTTPS_REQUIRED" | "PORT_NOT_ALLOWED" | "PRIVATE_ADDRESS" | "NOT_FOUND";

export class WebhookUrlError extends Error {
  readonly problem: WebhookUrlProblem;
  constructor(problem: WebhookUrlProblem, message: string) {
    super(message);
    this.name = "WebhookUrlError";
    this.problem = problem;
  }
}

export type CheckedUrl = { url: URL; host: CheckedHost };

export const MAX_WEBHOOK_URL_LENGTH = 2000;

export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean; resolver?: HostResolver }): Promise<CheckedUrl> {
  let url: URL;
  try {
    if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw new Error("too long");
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("INVALID_URL", "not a valid URL");
  }
  if (url.username || url.password || (url.protocol !== "https:" && url.protocol !== "http:")) throw new WebhookUrlError("INVALID_URL", "not a valid URL");
  if (url.protocol !== "https:" && !options.allowPrivate) throw new WebhookUrlError("HTTPS_REQUIRED", "https is required");
  if (url.port && url.port !== "443" && !options.allowPrivate) throw new WebhookUrlError("PORT_NOT_ALLOWED", "only the standard https port is allowed");
  try {
    // The mail-server guard's address checks; its port rule is for SMTP, webhooks have their own above.
    const host = await resolveSmtpHost(url.hostname.replace(/^\[|\]$/g, ""), STANDARD_SMTP_PORTS[0]!, {
      allowPrivate: options.allowPrivate,
      resolver: options.resolver,
    });
    return { url, host };
  } catch (error) {
    if (error instanceof HostRefusedError) {
      throw new WebhookUrlError(
        error.reason === "PRIVATE_ADDRESS" ? "PRIVATE_ADDRESS" : error.reason === "NOT_FOUND" ? "NOT_FOUND" : "INVALID_URL",
        error.message,
      );
    }
    throw error;
  }
}

export type WebhookResponse = { statusCode: number };

/** POSTs one signed body to the checked address; rejects on a timeout or a connection error. */
export function postWebhook(target: CheckedUrl, body: string, headers: Record<string, string>, timeoutMs: number): Promise<WebhookResponse> {
  const { url, host } = target;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: host.address, family: host.family }]);
    else callback(null, host.address, host.family);
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        lookup,
        headers: { "content-type": "application/json", "user-agent": "Postkamer-Webhooks/1", "content-length": Buffer.byteLength(body), ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        // The answer's body is not needed; read and drop it so the socket is freed.
        response.resume();
        response.on("end", () => resolve({ statusCode: response.statusCode ?? 0 }));
        response.on("error", reject);
      },
    );
    request.on("error", (error: Error) =>
      reject(error.name === "AbortError" || error.name === "TimeoutError" ? new Error(`no answer within ${timeoutMs / 1000} s`) : error),
    );
    request.end(body);
  });
}
