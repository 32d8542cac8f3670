import { NextResponse } from "next/server";
import { healthChecks } from "@/lib/jobs/data.ts";
import { readSupervisorState } from "@/lib/ops/supervisor-state.ts";

export const dynamic = "force-dynamic";

/**
 * Liveness for operators and load balancers: the database answers, and at least one worker
 * has sent a heartbeat recently (pg-boss's instance registry). Reveals no configuration.
 * 200 when both are fine, 503 otherwise. Under `npm start` it adds the supervisor's restart
 * counts, so a worker that keeps crashing shows even while a fresh one answers.
 */
export async function GET() {
  const { database, queue } = await healthChecks();
  const supervisor = await readSupervisorState();
  const ok = database.ok && queue.ok;
  return NextResponse.json({ status: ok ? "ok" : "degraded", database, queue, ...(supervisor ? { supervisor } : {}) }, { status: ok ? 200 : 503 });
}
