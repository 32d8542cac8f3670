import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChild } from "./processes.ts";
import { initialSupervisorState, writeSupervisorState } from "./supervisor-state.ts";

/**
 * Keeps `npm start`'s children running: a web app or worker that dies is started again after a
 * pause, so one crashed worker never takes the web app and the submission API down with it.
 * Each restart is logged and counted in a state file that /api/health reports.
 */
export type ChildName = "web" | "worker";

export type RestartPolicy = { firstDelayMs: number; maxDelayMs: number; stableAfterMs: number; quickExitMs: number };

/**
 * 1 s, 2 s, 4 s … up to 30 s between restarts; a child that stayed up for a minute starts over at
 * 1 s. A child that dies within 10 s of its start made a "quick exit": one that can never start
 * (its port taken, a broken build) does that every time, and may be given up on (`giveUpAfter`).
 */
export const RESTART_POLICY: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000, quickExitMs: 10_000 };

const LABELS: Record<ChildName, string> = { web: "De webapp", worker: "De worker" };

/** The pause before the next start, given the previous pause and how long the child was up. */
export function nextRestartDelay(previousDelayMs: number | undefined, upMs: number, policy: RestartPolicy = RESTART_POLICY): number {
  if (previousDelayMs === undefined || upMs >= policy.stableAfterMs) return policy.firstDelayMs;
  return Math.min(previousDelayMs * 2, policy.maxDelayMs);
}

type Slot = {
  name: ChildName;
  start: () => ChildProcess;
  graceMs: number;
  giveUpAfter?: number;
  quickExits: number;
  child?: ChildProcess;
  startedAt: number;
  delayMs?: number;
  timer?: NodeJS.Timeout;
};

export type Supervisor = {
  /** Pass this path to the children in POSTKAMER_SUPERVISOR_STATE. */
  stateFile: string;
  /**
   * Starts the child now and again whenever it exits, until stop(). `graceMs`: how long a stop may
   * take before SIGKILL. `giveUpAfter`: after that many quick exits in a row it is not started
   * again, and onGiveUp is called.
   */
  supervise(name: ChildName, start: () => ChildProcess, graceMs: number, giveUpAfter?: number): void;
  /** No more restarts; stops the children one after the other in `order`, then any others. */
  stop(order: ChildName[]): Promise<void>;
};

export function createSupervisor(options: { log: (line: string) => void; policy?: RestartPolicy; onGiveUp?: (name: ChildName) => void }): Supervisor {
  const policy = options.policy ?? RESTART_POLICY;
  const stateDir = mkdtempSync(join(tmpdir(), "postkamer-"));
  const stateFile = join(stateDir, "supervisor.json");
  const state = initialSupervisorState();
  const slots = new Map<ChildName, Slot>();
  let stopping = false;

  // A lost state file costs the health report its restart counts, never the supervision itself.
  const saveState = () => {
    try {
      writeSupervisorState(stateFile, state);
    } catch (error) {
      options.log(`Herstartstatus niet bijgewerkt: ${(error as Error).message}`);
    }
  };
  saveState();

  function launch(slot: Slot) {
    const child = slot.start();
    slot.child = child;
    slot.startedAt = Date.now();
    child.once("exit", (code, signal) => onExit(slot, child, signal ?? `code ${code}`));
    child.once("error", (error) => {
      options.log(`${LABELS[slot.name]} kon niet starten: ${error.message}`);
      if (child.pid === undefined) onExit(slot, child, "niet gestart");
    });
  }

  function onExit(slot: Slot, child: ChildProcess, how: string) {
    if (stopping || slot.child !== child) return;
    slot.child = undefined;
    const upMs = Date.now() - slot.startedAt;
    slot.quickExits = upMs < policy.quickExitMs ? slot.quickExits + 1 : 0;
    if (slot.giveUpAfter !== undefined && slot.quickExits >= slot.giveUpAfter) {
      options.log(
        `${LABELS[slot.name]} stopte ${slot.quickExits} keer op rij binnen ${policy.quickExitMs / 1000} s na de start (laatst: ${how}); ` +
          "opgegeven, Postkamer stopt. De oorzaak staat in de meldingen hierboven.",
      );
      options.onGiveUp?.(slot.name);
      return;
    }
    slot.delayMs = nextRestartDelay(slot.delayMs, upMs, policy);
    const restart = (slot.name === "worker" ? state.workerRestarts : state.webRestarts) + 1;
    options.log(`${LABELS[slot.name]} stopte onverwacht (${how}); opnieuw starten over ${slot.delayMs / 1000} s (herstart ${restart}).`);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      recordRestart(slot.name);
      launch(slot);
    }, slot.delayMs);
  }

  function recordRestart(name: ChildName) {
    const at = new Date().toISOString();
    if (name === "worker") {
      state.workerRestarts += 1;
      state.lastWorkerRestartAt = at;
    } else {
      state.webRestarts += 1;
      state.lastWebRestartAt = at;
    }
    saveState();
  }

  return {
    stateFile,
    supervise(name, start, graceMs, giveUpAfter) {
      const slot: Slot = { name, start, graceMs, giveUpAfter, quickExits: 0, startedAt: 0 };
      slots.set(name, slot);
      launch(slot);
    },
    async stop(order) {
      stopping = true;
      for (const slot of slots.values()) clearTimeout(slot.timer);
      const names = [...order, ...[...slots.keys()].filter((name) => !order.includes(name))];
      for (const name of names) {
        const slot = slots.get(name);
        if (slot?.child) await stopChild(slot.child, slot.graceMs);
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
