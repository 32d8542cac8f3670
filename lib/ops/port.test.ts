import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ensurePortFree } from "./port.ts";

const listening: Server[] = [];

function occupy(host?: string): Promise<number> {
  const server = createServer();
  listening.push(server);
  return new Promise((resolve) => server.listen({ port: 0, host }, () => resolve((server.address() as { port: number }).port)));
}

afterEach(async () => {
  await Promise.all(listening.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe("ensurePortFree", () => {
  it("passes for a free port, and names PORT when it is taken, on any address", async () => {
    const port = await occupy();
    await expect(ensurePortFree(port, { waitMs: 0 })).rejects.toThrow(`Poort ${port} (PORT=${port}) is al in gebruik`);
    // Taken on loopback only: the web app (all addresses) could not listen either.
    const loopback = await occupy("127.0.0.1");
    await expect(ensurePortFree(loopback, { waitMs: 0 })).rejects.toThrow("is al in gebruik");
    const server = listening.pop()!;
    await new Promise((resolve) => server.close(resolve));
    await expect(ensurePortFree(loopback, { waitMs: 0 })).resolves.toBeUndefined();
  });

  it("waits for a port that is freed within the wait, as after a runner killed outright", async () => {
    const port = await occupy();
    const server = listening.pop()!;
    setTimeout(() => server.close(), 300);
    await expect(ensurePortFree(port, { waitMs: 3_000 })).resolves.toBeUndefined();
  });
});
