import { createServer } from "node:net";

/**
 * Whether the web app will get its port, asked the way it will ask: a listen on the same address
 * (`host`, or all addresses — Next.js binds `::`, dual-stack, when no host is given), closed again
 * at once. A port that is taken or not allowed would make every start of the web app die within a
 * second, for ever.
 */
function tryListen(port: number, host?: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ port, host }, () => server.close(() => resolve(null)));
  });
}

/**
 * Throws a Dutch error naming PORT when the web app could not listen on `port`. A port still in
 * use is asked again for up to `waitMs`: right after a runner was killed outright, its web app
 * needs a moment to notice and stop (lib/ops/parent-watch.mjs).
 */
export async function ensurePortFree(port: number, options: { host?: string; waitMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  for (;;) {
    const error = await tryListen(port, options.host);
    if (!error) return;
    if (error.code === "EADDRINUSE" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    if (error.code === "EADDRINUSE") {
      throw new Error(
        `Poort ${port} (PORT=${port}) is al in gebruik: een ander programma, of een Postkamer die nog draait, luistert daar. ` +
          `Stop dat eerst, of kies een andere poort, bijvoorbeeld: PORT=${port === 3000 ? 3001 : 3000} npm start`,
      );
    }
    if (error.code === "EACCES") {
      throw new Error(`Poort ${port} (PORT=${port}) mag dit proces niet openen (poorten onder 1024 vragen extra rechten); kies een andere PORT.`);
    }
    throw new Error(`Poort ${port} (PORT=${port}) is niet te gebruiken: ${error.message}`);
  }
}
