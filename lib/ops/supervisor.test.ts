import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readSupervisorState } from "./supervisor-state.ts";
import { createSupervisor, nextRestartDelay, RESTART_POLICY } from "./supervisor.ts";

/** A child that runs until SIGTERM, then takes a moment to stop, like the worker finishing a job. */
const sleeper = () => spawn(process.execPath, ["-e", "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 100)); setInterval(() => {}, 1000);"]);

const alive = (child: ChildProcess | undefined) => child !== undefined && child.exitCode === null && child.signalCode === null;

describe("restart policy", () => {
  it("waits 1 s after the first crash, doubles up to 30 s, and starts over after a minute up", () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let crash = 0; crash < 7; crash += 1) delays.push((delay = nextRestartDelay(delay, 500)));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(nextRestartDelay(30_000, RESTART_POLICY.stableAfterMs)).toBe(1_000);
  });
});

describe("supervisor", () => {
  const policy = { firstDelayMs: 20, maxDelayMs: 100, stableAfterMs: 60_000, quickExitMs: 5_000 };

  it("starts a killed worker again, counts the restart in the state file, and restarts nothing after stop()", async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor({ log: (line) => lines.push(line), policy });
    const started: ChildProcess[] = [];
    supervisor.supervise("worker", () => started[started.push(sleeper()) - 1]!, 5_000);
    expect(await readSupervisorState(supervisor.stateFile)).toEqual({ workerRestarts: 0, webRestarts: 0, lastWorkerRestartAt: null, lastWebRestartAt: null });

    started[0]!.kill("SIGKILL");
    await expect.poll(() => started.length, { timeout: 5_000 }).toBe(2);
    const state = await readSupervisorState(supervisor.stateFile);
    expect(state).toMatchObject({ workerRestarts: 1, webRestarts: 0 });
    expect(Date.parse(state!.lastWorkerRestartAt!)).toBeGreaterThan(Date.now() - 5_000);
    expect(lines).toEqual(["De worker stopte onverwacht (SIGKILL); opnieuw starten over 0.02 s (herstart 1)."]);

    await supervisor.stop(["worker"]);
    expect(alive(started[1])).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toHaveLength(2);
    expect(existsSync(supervisor.stateFile)).toBe(false);
  });

  it("stops the children one after the other, in the order given", async () => {
    const supervisor = createSupervisor({ log: () => {}, policy });
    const exits: string[] = [];
    const signalled: string[] = [];
    for (const name of ["worker", "web"] as const) {
      supervisor.supervise(
        name,
        () => {
          const child = sleeper();
          const kill = child.kill.bind(child);
          child.kill = (signal) => {
            signalled.push(`${name} ${String(signal)} while ${exits.join(",") || "none"} exited`);
            return kill(signal);
          };
          child.once("exit", () => exits.push(name));
          return child;
        },
        5_000,
      );
    }
    await supervisor.stop(["web", "worker"]);
    expect(exits).toEqual(["web", "worker"]);
    expect(signalled).toEqual(["web SIGTERM while none exited", "worker SIGTERM while web exited"]);
  });

  it("gives up on a child that dies right after its start N times in a row, with one line, and starts it no more", async () => {
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const supervisor = createSupervisor({ log: (line) => lines.push(line), policy, onGiveUp: (name) => gaveUp.push(name) });
    let starts = 0;
    // As a web app whose port is taken: it exits with status 1 at once, every time.
    const failing = () => {
      starts += 1;
      return spawn(process.execPath, ["-e", "process.exit(1)"]);
    };
    supervisor.supervise("web", failing, 5_000, 3);
    await expect.poll(() => gaveUp, { timeout: 5_000 }).toEqual(["web"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(starts).toBe(3);
    expect(lines.slice(0, 2)).toEqual([
      "De webapp stopte onverwacht (code 1); opnieuw starten over 0.02 s (herstart 1).",
      "De webapp stopte onverwacht (code 1); opnieuw starten over 0.04 s (herstart 2).",
    ]);
    expect(lines[2]).toBe(
      "De webapp stopte 3 keer op rij binnen 5 s na de start (laatst: code 1); opgegeven, Postkamer stopt. De oorzaak staat in de meldingen hierboven.",
    );
    expect(lines).toHaveLength(3);
    await supervisor.stop(["web"]);
  });
});
