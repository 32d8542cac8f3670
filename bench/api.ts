import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import autocannon from "autocannon";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { seed } from "@/lib/ops/seed.ts";
import { spawnWeb, waitForHttp, type Env } from "@/lib/ops/processes.ts";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME } from "@/lib/templates/frames.ts";
import { freePort } from "@/tests/support/test-database.ts";
import { BENCH_DIST_DIR, ensureBenchBuild } from "./build.ts";
import { logPath, round, stopChild, track, type BenchContext } from "./support.ts";

const DURATION_SECONDS = 20;
const CONNECTIONS = 8;
const TEMPLATE = "verzuim-werkgever";
const BODY = JSON.stringify({
  template: TEMPLATE,
  to: ["jan@werknemer.example"],
  subject: "Uw ziekmelding is ontvangen",
  text: "Beste Jan, we hebben je ziekmelding ontvangen.",
});

export type ApiResult = {
  requestsPerSecond: number;
  p99Ms: number;
  baselineRequestsPerSecond: number;
  baselineP99Ms: number;
  ratio: number;
  connections: number;
  durationSeconds: number;
  /** Answers other than 2xx, and socket errors/timeouts (both should be 0). */
  non2xx: number;
  errors: number;
};

/** BENCH_CPU_PROF=1: the web and baseline processes write V8 CPU profiles into the log folder. */
function profileEnv(ctx: BenchContext): Env {
  return process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${ctx.logDir}`.trim() } : {};
}

type Load = { rps: number; p99: number; non2xx: number; errors: number };

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: BODY,
    connections: CONNECTIONS,
    duration: seconds,
  });
  return { rps: result["2xx"] / result.duration, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/**
 * `POST /api/v1/messages` of the production build under autocannon for 20 s, then the bare
 * baseline process for 20 s, each after a short warm-up. Accepted messages stay queued (no worker).
 */
export async function apiBench(ctx: BenchContext): Promise<ApiResult> {
  await ensureBenchBuild(ctx.root, (line) => ctx.log(`  ${line}`));
  await seed(ctx.prisma);
  // seed() adds its demo templates only to an empty table.
  if (!(await ctx.prisma.masterTemplate.findUnique({ where: { key: TEMPLATE } }))) {
    await ctx.prisma.masterTemplate.create({
      data: { key: TEMPLATE, name: "Verzuimmeldingen werkgever", carries: "WERKGEVER", htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME },
    });
  }
  const { key } = await createApiKey(ctx.prisma, { id: null, label: "bench" }, { name: "bench" });

  const port = await freePort();
  const web = track(
    spawnWeb({
      port,
      env: { ...ctx.env, ...profileEnv(ctx), NEXTAUTH_URL: `http://127.0.0.1:${port}`, PORT: String(port) },
      distDir: BENCH_DIST_DIR,
      logFile: logPath(ctx, "web.log"),
    }),
  );
  let app: Load;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/login`);
    const url = `http://127.0.0.1:${port}/api/v1/messages`;
    const probe = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: BODY });
    if (probe.status !== 202) throw new Error(`POST /api/v1/messages answered ${probe.status}: ${await probe.text()}`);
    await load(url, { authorization: `Bearer ${key}` }, 3);
    ctx.log(`  web: ${DURATION_SECONDS} s of load…`);
    app = await load(url, { authorization: `Bearer ${key}` }, DURATION_SECONDS);
  } finally {
    await stopChild(web);
  }

  const basePort = await freePort();
  const log = openSync(logPath(ctx, "api-baseline.log"), "a");
  const bareEnv: Env = { ...ctx.env, ...profileEnv(ctx), PORT: String(basePort) };
  const bare = track(
    spawn(process.execPath, ["--import", "tsx", "bench/api-baseline.ts"], {
      env: bareEnv as NodeJS.ProcessEnv,
      stdio: ["ignore", log, log],
    }),
  );
  let base: Load;
  try {
    const url = `http://127.0.0.1:${basePort}/`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(url, { method: "POST", body: BODY }).then(
        (r) => r.status === 202,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || bare.exitCode !== null) throw new Error(`the api baseline did not start; see ${logPath(ctx, "api-baseline.log")}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await load(url, {}, 3);
    ctx.log(`  baseline: ${DURATION_SECONDS} s of load…`);
    base = await load(url, {}, DURATION_SECONDS);
  } finally {
    await stopChild(bare);
  }
  return {
    requestsPerSecond: round(app.rps),
    p99Ms: app.p99,
    baselineRequestsPerSecond: round(base.rps),
    baselineP99Ms: base.p99,
    ratio: round(app.rps / base.rps, 3),
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    non2xx: app.non2xx,
    errors: app.errors,
  };
}
