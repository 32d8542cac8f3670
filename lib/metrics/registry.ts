import { timingSafeEqual, createHash } from "node:crypto";
import { Histogram, Registry } from "prom-client";

/**
 * This process's own Prometheus metrics: the histograms only a process can see (the web app's
 * API latency, the worker's SMTP hand-over latency). Everything countable from the database
 * (queues, outcomes, limits, webhooks, worker liveness) is read at scrape time instead
 * (lib/metrics/data.ts), so it is right however many worker processes run (docs/operations.md).
 * Kept on globalThis: Next.js may evaluate this module more than once per process.
 */
type ProcessMetrics = { registry: Registry; httpDuration: Histogram<"route" | "method" | "status">; handoverDuration: Histogram<"outcome"> };

const globalForMetrics = globalThis as typeof globalThis & { postkamerMetrics?: ProcessMetrics };

export function processMetrics(): ProcessMetrics {
  if (!globalForMetrics.postkamerMetrics) {
    const registry = new Registry();
    globalForMetrics.postkamerMetrics = {
      registry,
      httpDuration: new Histogram({
        name: "postkamer_http_request_duration_seconds",
        help: "Duration of submission API requests in this web process",
        labelNames: ["route", "method", "status"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
      handoverDuration: new Histogram({
        name: "postkamer_smtp_handover_duration_seconds",
        help: "Duration of one message's SMTP hand-over (all its transactions) in this worker process",
        labelNames: ["outcome"],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
    };
  }
  return globalForMetrics.postkamerMetrics;
}

/** Times one API request into the latency histogram under `route`; the answer's status labels it (500 when `answer` throws). */
export async function timedAnswer<T extends { status: number }>(route: string, method: string, answer: () => Promise<T>): Promise<T> {
  const stop = processMetrics().httpDuration.startTimer({ route, method });
  let status = 500;
  try {
    const result = await answer();
    status = result.status;
    return result;
  } finally {
    stop({ status: String(status) });
  }
}

/** Wraps a route handler: its duration goes into the API latency histogram under `route`. */
export function timedRoute<A extends unknown[]>(route: string, handler: (request: Request, ...rest: A) => Promise<Response>) {
  return (request: Request, ...rest: A): Promise<Response> => timedAnswer(route, request.method, () => handler(request, ...rest));
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (hashes of equal length). */
export function isMetricsTokenValid(authorization: string | null, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  const given = createHash("sha256")
    .update(match?.[1] ?? "")
    .digest();
  const expected = createHash("sha256").update(token).digest();
  return Boolean(match) && timingSafeEqual(given, expected);
}

/**
 * The worker's own metrics (its SMTP hand-over histogram) on WORKER_METRICS_PORT, behind the
 * same bearer token: a worker process has no web server, and its histogram lives only in it.
 * Listens on `host` (default all interfaces, for a scraper on another machine); returns a stop.
 */
export async function startWorkerMetricsListener(port: number, token: string, host?: string): Promise<() => Promise<void>> {
  const { createServer } = await import("node:http");
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") return void response.writeHead(404).end();
    if (!isMetricsTokenValid(request.headers.authorization ?? null, token)) return void response.writeHead(401, { "WWW-Authenticate": "Bearer" }).end();
    const { registry } = processMetrics();
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  server.unref();
  return () => new Promise((resolve) => server.close(() => resolve()));
}
