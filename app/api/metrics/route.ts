import { config } from "@/lib/config.ts";
import { answerMetrics } from "@/lib/metrics/data.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * `GET /api/metrics`: Prometheus text format, behind `Authorization: Bearer <METRICS_TOKEN>`.
 * Without METRICS_TOKEN the route does not exist (404), so metrics are never open by accident.
 */
export async function GET(request: Request) {
  return answerMetrics(request, config().METRICS_TOKEN);
}
