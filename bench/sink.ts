import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { stopChild, track } from "./support.ts";

export type SinkReport = { indexes: number[]; times: number[]; recipients: number[] };

export type Sink = {
  port: number;
  pid: number;
  count(): Promise<number>;
  report(): Promise<SinkReport>;
  reset(): Promise<void>;
  close(): Promise<void>;
};

/** Starts bench/sink-process.ts as a child process and talks to it over IPC. */
export async function startSink(root: string): Promise<Sink> {
  const child: ChildProcess = track(
    fork(join(root, "bench", "sink-process.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] }),
  );
  // One request at a time: answers come back in order.
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(cmd: string, key: string): Promise<T> => {
    const next = chain.then(
      () =>
        new Promise<T>((resolve, reject) => {
          const onMessage = (message: Record<string, unknown>) => {
            if (!(key in message)) return;
            child.off("message", onMessage);
            child.off("exit", onExit);
            resolve(message as T);
          };
          const onExit = () => reject(new Error("the SMTP sink exited"));
          child.on("message", onMessage);
          child.once("exit", onExit);
          child.send({ cmd });
        }),
    );
    chain = next.catch(() => {});
    return next;
  };
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port?: number }) => (message.port ? resolve(message.port) : reject(new Error("sink did not start"))));
    child.once("exit", (code) => reject(new Error(`the SMTP sink exited (${code}) before listening`)));
  });
  return {
    port,
    pid: child.pid!,
    count: async () => (await ask<{ count: number }>("count", "count")).count,
    report: () => ask<SinkReport>("report", "indexes"),
    reset: async () => void (await ask("reset", "reset")),
    close: () => stopChild(child, 3_000),
  };
}
