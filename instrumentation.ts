/**
 * With WORKER_IN_PROCESS=1 the web process also runs the worker (one process to deploy);
 * otherwise `npm start` runs it as its own process. The globalThis guard keeps a second
 * register() call (dev reloads) from starting a second worker.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.WORKER_IN_PROCESS !== "1") return;
  const globalForWorker = globalThis as typeof globalThis & { postkamerWorker?: boolean };
  if (globalForWorker.postkamerWorker) return;
  globalForWorker.postkamerWorker = true;
  const { startInProcessWorker } = await import("./lib/jobs/in-process-worker.ts");
  await startInProcessWorker();
}
