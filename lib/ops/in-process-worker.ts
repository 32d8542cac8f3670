import { startWorker, stopWorker } from "./jobs.ts";

/** Loaded by instrumentation.ts only in the Node.js runtime, with WORKER_IN_PROCESS=1. */
export async function startInProcessWorker(): Promise<void> {
  const boss = await startWorker(process.env.DATABASE_URL!);
  const stop = () => void stopWorker(boss);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
