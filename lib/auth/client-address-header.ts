import http from "node:http";
import { logger } from "@/lib/log/logger.ts";
import { CLIENT_ADDRESS_HEADER, clientAddressOf, type TrustedProxies } from "./client-address.ts";

const INSTALLED = Symbol.for("postkamer.clientAddressHeader");

/**
 * Next.js gives route handlers no socket, and it keeps a client's own `X-Forwarded-For` rather
 * than its socket's peer. So every HTTP server in this process works out the client's address
 * as a request arrives (client-address.ts) and passes it on in CLIENT_ADDRESS_HEADER; a value
 * the client sent under that name is removed first. Installed once per process from
 * instrumentation.ts, before Next.js handles the first request.
 */
export function installClientAddressHeader(trusted: TrustedProxies): void {
  const prototype = http.Server.prototype as http.Server & { [INSTALLED]?: { trusted: TrustedProxies } };
  // Installed again (a dev reload, a test): the new list applies, the wrapper stays single.
  if (prototype[INSTALLED]) {
    prototype[INSTALLED].trusted = trusted;
    return;
  }
  const state = { trusted };
  const emit = prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  prototype.emit = function emitWithClientAddress(this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") stampClientAddress(args[0] as http.IncomingMessage, state.trusted);
    return emit.call(this, event, ...args);
  } as typeof prototype.emit;
  prototype[INSTALLED] = state;
}

let warnedAboutForwardedFor = false;

export function stampClientAddress(request: http.IncomingMessage, trusted: TrustedProxies): void {
  const forwardedFor = request.headers["x-forwarded-for"];
  const address = clientAddressOf(request.socket?.remoteAddress, forwardedFor, trusted);
  // Both views of the headers: Next.js reads the object, some code reads rawHeaders.
  delete request.headers[CLIENT_ADDRESS_HEADER];
  for (let i = request.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (request.rawHeaders[i]!.toLowerCase() === CLIENT_ADDRESS_HEADER) request.rawHeaders.splice(i, 2);
  }
  if (address) {
    request.headers[CLIENT_ADDRESS_HEADER] = address;
    request.rawHeaders.push(CLIENT_ADDRESS_HEADER, address);
  }
  if (forwardedFor && trusted.empty && !warnedAboutForwardedFor) {
    warnedAboutForwardedFor = true;
    logger.warn("X-Forwarded-For ignored: the request did not come through a trusted proxy. Behind a reverse proxy, list it in TRUSTED_PROXIES.", {
      peer: request.socket?.remoteAddress,
    });
  }
}
