import { renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/**
 * What `npm start`'s supervisor tells its children about restarts: a small JSON file whose path
 * it passes in POSTKAMER_SUPERVISOR_STATE, read by /api/health. Counts and times only.
 */
export type SupervisorState = {
  workerRestarts: number;
  webRestarts: number;
  lastWorkerRestartAt: string | null;
  lastWebRestartAt: string | null;
};

export const SUPERVISOR_STATE_ENV = "POSTKAMER_SUPERVISOR_STATE";

export const initialSupervisorState = (): SupervisorState => ({ workerRestarts: 0, webRestarts: 0, lastWorkerRestartAt: null, lastWebRestartAt: null });

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export function writeSupervisorState(file: string, state: SupervisorState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

/** The state when this process runs under the supervisor, else null. Only the known fields are passed on. */
export async function readSupervisorState(file = process.env[SUPERVISOR_STATE_ENV]): Promise<SupervisorState | null> {
  if (!file) return null;
  try {
    const read = JSON.parse(await readFile(file, "utf8")) as Partial<SupervisorState>;
    const count = (value: unknown) => (typeof value === "number" ? value : 0);
    const time = (value: unknown) => (typeof value === "string" ? value : null);
    return {
      workerRestarts: count(read.workerRestarts),
      webRestarts: count(read.webRestarts),
      lastWorkerRestartAt: time(read.lastWorkerRestartAt),
      lastWebRestartAt: time(read.lastWebRestartAt),
    };
  } catch {
    return null;
  }
}
