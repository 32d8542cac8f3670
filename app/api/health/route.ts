import { NextResponse } from "next/server";
import { db } from "@/lib/db/client.ts";
import { webBoss, WORKER_INSTANCE_NAME } from "@/lib/jobs/boss.ts";
import { readSupervisorState } from "@/lib/ops/supervisor-state.ts";

export const dynamic = "force-dynamic";

/**
 * Liveness for operators and load balancers: the database answers, and at least one worker
 * has sent a heartbeat recently (pg-boss's instance registry). Reveals no configuration.
 * 200 when both are fine, 503 otherwise. Under `npm start` it adds the supervisor's restart
 * counts, so a worker that keeps crashing shows even while a fresh one answers.
 */
export async function GET() {
  const database = await db()
    .$queryRaw`SELECT 1`.then(() => ({ ok: true }))
    .catch(() => ({ ok: false }));
  const queue = await webBoss()
    .then(async (boss) => {
      const instances = await boss.getInstances();
      const fresh = Date.now() - 3 * 10_000;
      const workers = instances.filter(
        (instance) => instance.name === WORKER_INSTANCE_NAME && !instance.stoppedOn && instance.heartbeatOn.getTime() > fresh,
      ).length;
      return { ok: workers > 0, workers };
    })
    .catch(() => ({ ok: false, workers: 0 }));
  const supervisor = await readSupervisorState();
  const ok = database.ok && queue.ok;
  return NextResponse.json({ status: ok ? "ok" : "degraded", database, queue, ...(supervisor ? { supervisor } : {}) }, { status: ok ? 200 : 503 });
}
