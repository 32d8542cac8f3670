import { spawn, type ChildProcess } from "node:child_process";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBoss } from "@/lib/jobs/boss.ts";
import { ensureQueues } from "@/lib/jobs/queues.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { loopbackServer, maxInAnyWindow, subjectIndex, submitMany, waitUntil } from "../support/delivery.ts";
import { startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/** Two worker processes at once on one server: the lease and the log in Postgres keep them honest. */
let boss: PgBoss;
let smtp: TestSmtp;
const workers: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "lib/ops/worker.ts"], {
    env: { ...process.env, RETRY_BASE_SECONDS: "1", ALLOW_PRIVATE_SMTP_HOSTS: "1", VITEST: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  await resetDatabase();
  boss = createBoss(process.env.DATABASE_URL!, "web");
  await boss.start();
  await ensureQueues(boss);
  smtp = await startTestSmtp();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve(null) : (w.once("exit", resolve), w.kill("SIGTERM"))))));
  await boss.stop({ graceful: false, close: true });
  await smtp.close();
});

describe("several worker processes", () => {
  it("deliver 500 messages under a limit with no duplicate and no window exceeded", { timeout: 120_000 }, async () => {
    const server = await loopbackServer(testDb(), smtp.port, { limits: [{ count: 100, size: 2, window: "SECOND", unit: "MESSAGES" }] });
    await submitMany(testDb(), boss, server.id, 500);
    startWorkerProcess();
    startWorkerProcess();
    await waitUntil(() => smtp.received.length >= 500, 100_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const indexes = smtp.received.map(subjectIndex);
    expect(new Set(indexes).size).toBe(500);
    expect(smtp.received).toHaveLength(500);
    expect(maxInAnyWindow(smtp.received, 2_000)).toBeLessThanOrEqual(100);
    expect(indexes).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(await testDb().outboundMessage.count({ where: { serverId: server.id, status: "SENT" } })).toBe(500);
  });
});
