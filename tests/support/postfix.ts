import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestSmtp, testCertificate, type ReceivedMail, type TestSmtp } from "./smtp.ts";
import { freePort } from "./test-database.ts";

/**
 * Debian's Postfix as a real peer: a private instance per test (`postfix -c DIR start`, as root),
 * with its own config, queue and data directories under one temporary directory, an smtpd on a
 * free loopback port, and everything it accepts relayed to this test's own `smtp-server` sink.
 *
 *   DIR/etc     config_directory: main.cf, master.cf, cert.pem/key.pem, the `files` given
 *   DIR/spool   queue_directory (made by `postfix start` itself: post-install create-missing)
 *   DIR/data    data_directory (owned by the postfix user)
 *   DIR/maillog maillog_file, written by the postlogd service
 *
 * Loopback is rate-limited like any other client (`smtpd_client_event_limit_exceptions =`
 * empty), so anvil's `smtpd_client_*_rate_limit` apply to the test's own connections. There is
 * no local delivery: `mydestination` is empty, every domain goes to `relayhost`, the sink.
 *
 * Timing (measured here, Postfix 3.7.11 on this machine): `startPostfix` takes 0.3–0.9 s (the
 * first one in a process ~2.5 s more with cold caches and the test certificate to make), stop
 * 0.05–0.2 s, start again 0.25–0.3 s (up to 1.2 s under load). From the client's hand-over (the
 * 250 to its DATA) to the message at the sink: ~100 ms when Postfix opens a new connection to the
 * sink (smtp-server pauses 100 ms before its greeting), 1–10 ms while it reuses one (within 2 s of
 * the previous relay). The harness test in tests/integration/postfix.test.ts prints it each run.
 * Relay failures are retried after 1–2 s (`minimal_backoff_time`, `queue_run_delay`), and
 * `in_flow_delay = 0` keeps smtpd from pacing a client that submits faster than Postfix relays.
 *
 * The configuration files get an mtime a minute in the past: Postfix re-reads a configuration file,
 * 300 ms at a time, until its mtime is older than the current second, which made every `postfix`
 * command take ~2 s on a freshly written one.
 *
 * What anvil counts (observed): `smtpd_client_message_rate_limit` counts MAIL FROM commands,
 * including those of transactions whose every recipient was then refused; the reply is
 * `450 4.7.1 Error: too much mail from 127.0.0.1` at MAIL FROM and the maillog only has a
 * `warning: Message delivery request rate limit exceeded: N from localhost[127.0.0.1] for
 * service …` (no reject line). `smtpd_client_recipient_rate_limit` refuses single RCPTs with
 * `450 4.7.1 Error: too many recipients from 127.0.0.1` inside an otherwise accepted transaction,
 * logged as `warning: Recipient address rate limit exceeded: N …`, one line per refused RCPT.
 *
 * Postfix relays a message once per delivery and may put several recipients of one message in
 * one relay transaction, so count recipients at the sink per Message-ID (`recipientsByMessageId`),
 * not sink messages. Postfix keeps the Message-ID header the client sent.
 *
 * Its daemons' command lines do not name the directory (`master -w`, `smtpd -n …`): they are found
 * by the MAIL_CONFIG=DIR/etc each of them carries in its environment (`processes()`).
 */
export type PostfixOptions = {
  /** Extra main.cf parameters, e.g. `{ smtpd_recipient_limit: 5 }`; `$config_directory` expands. */
  main?: Record<string, string | number>;
  /** Extra files written into the config directory (maps such as `texthash:$config_directory/name`). */
  files?: Record<string, string>;
  /** Options for the sink that receives what Postfix relays. */
  sink?: Parameters<typeof startTestSmtp>[0];
};

export type PostfixInstance = {
  /** The smtpd port on 127.0.0.1 (kept across stop/start). */
  port: number;
  dir: string;
  /** Receives what Postfix relays: envelope recipients, raw message, receive time. */
  sink: TestSmtp;
  /** The maillog so far (postlogd writes it a few ms after the event: poll, do not read once). */
  log(): Promise<string>;
  /** Message-IDs (without <>) in the order Postfix's cleanup accepted them, from the maillog. */
  acceptedMessageIds(): Promise<string[]>;
  /** Stops Postfix (orderly, then SIGKILL) and waits until none of its processes is left. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same queue. */
  start(): Promise<void>;
  /** stop() + close the sink + remove the directory. */
  close(): Promise<void>;
  /** PIDs of this instance's live processes. */
  processes(): Promise<number[]>;
};

const POSTFIX = "/usr/sbin/postfix";
const run = promisify(execFile);

/**
 * Instances not closed when the test process exits (a timed-out test whose afterEach never ran):
 * their master is told to stop (it takes its children with it) and the directory goes.
 */
const open = new Set<string>();
process.once("exit", () => {
  for (const dir of open) {
    try {
      process.kill(Number(readFileSync(join(dir, "spool", "pid", "master.pid"), "utf8").trim()), "SIGTERM");
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

const MASTER_CF = `
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export async function startPostfix(options: PostfixOptions = {}): Promise<PostfixInstance> {
  if (!existsSync(POSTFIX)) throw new Error(`${POSTFIX} is missing: install Debian's postfix package (.ci/run does)`);
  if (process.getuid?.() !== 0) throw new Error(`Postfix test instances start as root (running as ${userInfo().username})`);

  const sink = await startTestSmtp({ disableReverseLookup: true, ...options.sink });
  const dir = await mkdtemp(join(tmpdir(), "postkamer-postfix-"));
  open.add(dir);
  // mkdtemp makes it 0700; Postfix's unprivileged daemons need to reach the queue and data directories.
  await chmod(dir, 0o755);
  const etc = join(dir, "etc");
  const data = join(dir, "data");
  await mkdir(etc, { mode: 0o755 });
  await mkdir(join(dir, "spool"), { mode: 0o755 });
  await mkdir(data, { mode: 0o700 });
  await chown(data, Number((await run("id", ["-u", "postfix"])).stdout.trim()), 0);

  const { key, cert } = await testCertificate();
  await writeFile(join(etc, "cert.pem"), cert, { mode: 0o644 });
  await writeFile(join(etc, "key.pem"), key, { mode: 0o600 });
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(etc, name), content, { mode: 0o644 });

  const port = await freePort();
  const main: Record<string, string | number> = {
    compatibility_level: "3.6",
    queue_directory: join(dir, "spool"),
    data_directory: data,
    myhostname: "postfix.postkamer.test",
    mydestination: "",
    local_recipient_maps: "",
    alias_maps: "",
    alias_database: "",
    relay_domains: "",
    relayhost: `[127.0.0.1]:${sink.port}`,
    // Reuse the connection to the sink (for 2 s, Postfix's default): a new one waits ~100 ms for
    // the sink's greeting (smtp-server's pause for early talkers). Matched by host, not [host]:port.
    smtp_connection_cache_destinations: "127.0.0.1",
    inet_interfaces: "loopback-only",
    inet_protocols: "ipv4",
    mynetworks: "127.0.0.0/8",
    smtpd_relay_restrictions: "permit_mynetworks, reject_unauth_destination",
    // Loopback is a client like any other for anvil's rate limits.
    smtpd_client_event_limit_exceptions: "",
    maillog_file: join(dir, "maillog"),
    maillog_file_prefixes: dir,
    // Relay at once, and again within a second or two when the sink was not there.
    in_flow_delay: "0",
    queue_run_delay: "1s",
    minimal_backoff_time: "1s",
    maximal_backoff_time: "2s",
    smtp_tls_security_level: "none",
    smtpd_tls_cert_file: join(etc, "cert.pem"),
    smtpd_tls_key_file: join(etc, "key.pem"),
    biff: "no",
    append_dot_mydomain: "no",
    ...options.main,
  };
  await writeFile(
    join(etc, "main.cf"),
    Object.entries(main)
      .map(([name, value]) => `${name} = ${value}`)
      .join("\n") + "\n",
  );
  await writeFile(join(etc, "master.cf"), `127.0.0.1:${port} inet n - n - - smtpd\n${MASTER_CF}`);
  // Postfix waits until a configuration file's mtime is in the past (see above).
  const past = new Date(Date.now() - 60_000);
  for (const name of await readdir(etc)) await utimes(join(etc, name), past, past);

  const postfix = (command: string) => run(POSTFIX, ["-c", etc, command], { timeout: 30_000 });

  async function processes(): Promise<number[]> {
    const marker = `MAIL_CONFIG=${etc}\0`;
    const pids: number[] = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const environ = await readFile(`/proc/${entry}/environ`, "latin1").catch(() => "");
      if (`${environ}\0`.includes(marker)) pids.push(Number(entry));
    }
    return pids;
  }

  let running = false;
  async function start() {
    try {
      await postfix("start");
    } catch (error) {
      const log = await readFile(join(dir, "maillog"), "utf8").catch(() => "");
      throw new Error(`postfix -c ${etc} start failed: ${String(error)}\n${log.split("\n").slice(-15).join("\n")}`);
    }
    running = true;
  }

  async function stop() {
    if (running) {
      running = false;
      // `postfix stop` waits up to 5 s for the master, which takes its children with it.
      await postfix("stop").catch(() => {});
    }
    const deadline = Date.now() + 10_000;
    for (let left = await processes(); left.length > 0; left = await processes()) {
      if (Date.now() > deadline) {
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        if (Date.now() > deadline + 2_000) throw new Error(`Postfix processes left in ${dir}: ${left.join(", ")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const instance: PostfixInstance = {
    port,
    dir,
    sink,
    log: () => readFile(join(dir, "maillog"), "utf8").catch(() => ""),
    async acceptedMessageIds() {
      const log = await instance.log();
      return [...log.matchAll(/postfix\/cleanup\[\d+\]: \w+: message-id=<([^>]*)>/g)].map((m) => m[1]!);
    },
    stop,
    start,
    processes,
    async close() {
      try {
        await stop();
      } finally {
        await sink.close();
        await rm(dir, { recursive: true, force: true });
        open.delete(dir);
      }
    },
  };
  try {
    await start();
  } catch (error) {
    await instance.close().catch(() => {});
    throw error;
  }
  return instance;
}

/** The Message-ID header of a received message, without <>. */
export function messageIdOf(mail: ReceivedMail): string {
  return /^Message-ID:\s*<([^>]*)>/im.exec(mail.raw)?.[1] ?? "";
}

/** Envelope recipients the sink received, per Message-ID (Postfix may relay one message in several transactions). */
export function recipientsByMessageId(mails: ReceivedMail[]): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const mail of mails) {
    const id = messageIdOf(mail);
    byId.set(id, [...(byId.get(id) ?? []), ...mail.to]);
  }
  return byId;
}
