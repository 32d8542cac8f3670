/**
 * The SMTP sink of the benchmarks, in its own process so that receiving does not share a CPU
 * budget (event loop) with the code under test. Plain SMTP on loopback: no STARTTLS, no AUTH.
 * Records per accepted message the index in its subject ("Bericht <n>"), the receive time (when
 * the final "." arrived, before the 250) and the number of RCPT TO; the parent fetches and
 * resets these over IPC.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

type Request = { cmd: "report" | "reset" | "count" };

let indexes: number[] = [];
let times: number[] = [];
let recipients: number[] = [];

const SUBJECT = /(?:^|\n)Subject: Bericht (\d+)/i;

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  banner: "postkamer bench sink",
  onData(stream, session, callback) {
    let head = "";
    let complete = false;
    stream.on("data", (chunk: Buffer) => {
      if (complete) return;
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) {
        head = head.slice(0, end);
        complete = true;
      } else if (head.length > 65_536) complete = true;
    });
    stream.on("end", () => {
      const at = Date.now();
      indexes.push(Number(SUBJECT.exec(head)?.[1] ?? -1));
      times.push(at);
      recipients.push(session.envelope.rcptTo.length);
      callback();
    });
  },
});
server.on("error", () => {});

process.on("message", (message: Request) => {
  if (message.cmd === "report") process.send!({ indexes, times, recipients });
  else if (message.cmd === "count") process.send!({ count: indexes.length });
  else if (message.cmd === "reset") {
    indexes = [];
    times = [];
    recipients = [];
    process.send!({ reset: true });
  }
});
// The parent went away (also after a crash of the bench): nothing left to do.
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => {
  process.send!({ port: (server.server.address() as AddressInfo).port });
});
