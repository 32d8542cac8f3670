import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { HostRefusedError, resolveSmtpHost, STANDARD_SMTP_PORTS, type CheckedHost, type HostResolver } from "@/lib/mailservers/host-guard.ts";

/**
 * The SSRF guard for webhook URLs: the same resolve-and-check as a mail server's host
 * (lib/mailservers/host-guard.ts), run when the endpoint is saved and again before each round of
 * calls, and the calls go to the checked address (a second lookup could be answered differently:
 * DNS rebinding). https on the standard port only, unless private addresses are allowed (tests,
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

/**
 * Keep-alive connections per checked target: a busy endpoint gets one event per call but not one
 * TCP (and TLS) handshake per call. The agent is bound to the address the guard checked (its
 * lookup answers nothing else), so a reused socket never reaches another address; a name that
 * now resolves elsewhere gets a new agent. At most MAX_AGENTS targets are kept open.
 */
const MAX_AGENTS = 50;
export const MAX_SOCKETS_PER_TARGET = 8;
const agents = new Map<string, http.Agent>();

function agentFor(target: CheckedUrl): http.Agent {
  const { url, host } = target;
  const key = `${url.protocol}//${url.host}|${host.address}`;
  const known = agents.get(key);
  if (known) {
    agents.delete(key); // re-inserted below: the map's order is least recently used first
    agents.set(key, known);
    return known;
  }
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: host.address, family: host.family }]);
    else callback(null, host.address, host.family);
  };
  const options = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_TARGET, lookup };
  const agent = url.protocol === "https:" ? new https.Agent(options) : new http.Agent(options);
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) {
    const [oldest] = agents.keys();
    agents.get(oldest!)?.destroy();
    agents.delete(oldest!);
  }
  return agent;
}

/** POSTs one signed body to the checked address; rejects on a timeout or a connection error. */
export function postWebhook(target: CheckedUrl, body: string, headers: Record<string, string>, timeoutMs: number): Promise<WebhookResponse> {
  const { url } = target;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        agent: agentFor(target),
        headers: { "content-type": "application/json", "user-agent": "Postkamer-Webhooks/1", "content-length": Buffer.byteLength(body), ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        // The answer's body is not needed; read and drop it so the socket is freed for the next call.
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

/** Closes the kept-alive connections (worker shutdown, tests). */
export function closeWebhookConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}
