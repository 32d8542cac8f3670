import { createServer, type AddressInfo, type Socket } from "node:net";

/**
 * A minimal SMTP server on a raw socket, for faults smtp-server cannot stage: dropping the
 * connection after DATA without a reply, or answering after the client gave up.
 * `onMessage(index)` decides per message: "accept", "drop" or a delay in ms before the 250.
 */
export type RawSmtp = { port: number; received: { raw: string; receivedAt: number }[]; close(): Promise<void> };

export async function startRawSmtp(onMessage: (index: number) => "accept" | "drop" | number): Promise<RawSmtp> {
  const received: RawSmtp["received"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = "";
    let inData = false;
    socket.write("220 raw.test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          const index = received.length;
          received.push({ raw, receivedAt: Date.now() });
          const decision = onMessage(index);
          if (decision === "drop") {
            socket.destroy();
            return;
          }
          const reply = () => !socket.destroyed && socket.write("250 2.0.0 Ok: queued\r\n");
          if (decision === "accept") reply();
          else setTimeout(reply, decision);
          continue;
        }
        const newline = buffer.indexOf("\r\n");
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-raw.test\r\n250 PIPELINING\r\n");
        else if (verb === "HELO") socket.write("250 raw.test\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 End data with <CR><LF>.<CR><LF>\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 Bye\r\n");
          return;
        } else socket.write("250 Ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
