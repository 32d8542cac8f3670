/**
 * Runs once in every Next.js server process, before it handles a request.
 *
 * The client-address header (lib/auth/client-address-header.ts) is what the sign-in throttle
 * counts per client; it must be in place before the first request.
 *
 * With WORKER_IN_PROCESS=1 the web process also runs the worker (one process to deploy);
 * otherwise `npm start` runs it as its own process. The globalThis guard keeps a second
 * register() call (dev reloads) from starting a second worker.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installClientAddressHeader } = await import("./lib/auth/client-address-header.ts");
  const { parseTrustedProxies } = await import("./lib/auth/client-address.ts");
  installClientAddressHeader(parseTrustedProxies(process.env.TRUSTED_PROXIES));

  if (process.env.WORKER_IN_PROCESS !== "1") return;
  const globalForWorker = globalThis as typeof globalThis & { postkamerWorker?: boolean };
  if (globalForWorker.postkamerWorker) return;
  globalForWorker.postkamerWorker = true;
  const { startInProcessWorker } = await import("./lib/ops/in-process-worker.ts");
  await startInProcessWorker();
}
