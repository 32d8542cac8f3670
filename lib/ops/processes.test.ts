import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WORKER_ARGS, WORKER_V8_FLAGS } from "./processes.ts";

describe("how a worker process is started", () => {
  it("is the same for `npm run worker` as for the supervisor and the bench", () => {
    const { scripts } = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(scripts.worker).toBe(`exec node ${WORKER_ARGS.join(" ")}`);
  });

  it("uses V8 flags this Node accepts and applies", () => {
    // A flag a newer Node dropped would stop the worker from starting at all.
    const limitMb = execFileSync(process.execPath, [...WORKER_V8_FLAGS, "-p", "require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(Number(limitMb)).toBeLessThan(1100);
  });
});
