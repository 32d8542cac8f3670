/**
 * The production web process (`next start`'s place): one node:http server in front of Next.js.
 *
 * It answers `POST /api/v1/messages` itself, through the same code as the route handler
 * (lib/messages/submission.ts), and hands every other request to Next.js unchanged. The
 * submission API is the one request that comes in volume, from machines, and needs nothing of the
 * framework: no proxy, no rendering, no router. Next.js's routing and its Request/Response
 * streams cost about as much CPU per request as the whole database transaction (measured in
 * docs/benchmarks.md, "api"). Answers carry the same fixed headers as Next.js's
 * (FIXED_RESPONSE_HEADERS) and go into the same latency histogram.
 *
 * Arguments as `next start`: `-p PORT` and optionally `-H HOST` (lib/ops/processes.ts). `next dev`
 * keeps Next.js's own server; there the route handler answers the API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import next from "next";
import { logger } from "@/lib/log/logger.ts";
import { answerSubmission } from "@/lib/messages/submission.ts";
import { timedAnswer } from "@/lib/metrics/registry.ts";
import { FIXED_RESPONSE_HEADERS } from "@/lib/ui/security-headers.ts";

const SUBMISSION_PATH = "/api/v1/messages";

const FIXED_HEADERS: Record<string, string> = Object.fromEntries(FIXED_RESPONSE_HEADERS.map(({ key, value }) => [key, value]));

/** `POST /api/v1/messages`, with or without a query string; anything else (other methods, `…/messages/`, encoded paths) goes to Next.js. */
function isSubmission(request: IncomingMessage): boolean {
  if (request.method !== "POST") return false;
  const url = request.url ?? "";
  const query = url.indexOf("?");
  return (query === -1 ? url : url.slice(0, query)) === SUBMISSION_PATH;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

async function answerSubmissionDirectly(request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const answer = await timedAnswer(SUBMISSION_PATH, "POST", () =>
      answerSubmission({
        authorization: header(request, "authorization"),
        contentType: header(request, "content-type"),
        contentLength: header(request, "content-length"),
        // Not destroyed when the read stops early (413): the answer must still reach the client;
        // Node's server discards the rest of the body once the answer is sent.
        body: request.iterator({ destroyOnReturn: false }),
      }),
    );
    const payload = JSON.stringify(answer.body);
    // One write: head and body together.
    response.writeHead(answer.status, {
      ...FIXED_HEADERS,
      ...answer.headers,
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(payload),
    });
    response.end(payload);
  } catch (error) {
    logger.error("message submission failed", { error });
    if (response.headersSent) response.destroy();
    else {
      response.writeHead(500, { ...FIXED_HEADERS, "Content-Type": "application/json" });
      response.end(JSON.stringify({ error: "internal_error" }));
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  const host = values.hostname?.trim() || undefined;
  const app = next({ dev: false, dir: process.cwd(), hostname: host ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = createServer((request, response) => {
    if (isSubmission(request)) {
      void answerSubmissionDirectly(request, response);
      return;
    }
    handle(request, response).catch((error: unknown) => {
      logger.error("request failed", { url: request.url, error });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.on("upgrade", (request, socket) => socket.destroy()); // Postkamer has no WebSockets
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  console.log(`Postkamer web: http://${host ?? "localhost"}:${port}`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Requests in flight finish (idle keep-alive connections close at once); at most 8 s, within
    // the supervisor's grace (lib/ops/start.ts).
    setTimeout(() => process.exit(0), 8_000).unref();
    server.close(() => {
      void app
        .close()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

await main();
