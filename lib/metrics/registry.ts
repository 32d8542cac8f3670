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

/** Wraps a route handler: its duration goes into the API latency histogram under `route`. */
export function timedRoute<A extends unknown[]>(route: string, handler: (request: Request, ...rest: A) => Promise<Response>) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    const stop = processMetrics().httpDuration.startTimer({ route, method: request.method });
    let status = 500;
    try {
      const response = await handler(request, ...rest);
      status = response.status;
      return response;
    } finally {
      stop({ status: String(status) });
    }
  };
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
