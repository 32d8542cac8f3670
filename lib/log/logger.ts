import { Writable } from "node:stream";
import pino, { type DestinationStream } from "pino";

/**
 * Structured logs through pino: one JSON line per event in production ({ at, level, message,
 * ...fields }: messageId, serverId, attempt, outcome where they apply), a short readable line in
 * development on a terminal (LOG_FORMAT=pretty|json overrides). warn and error go to stderr.
 * Errors are reduced to name, message, code and SMTP fields; values under secret-looking keys are
 * masked, and so is every e-mail address in a value ("j•••@example.nl", as the Logging masks
 * recipients without "Logging details bekijken"), so neither a password nor a recipient reaches a log.
 */
type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const SECRET_KEY = /(pass(word)?|secret|token|authorization|cookie|apikey|api_key|key)$/i;
const ADDRESS = /([^\s@<>"'(),;:[\]]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** The Logging's mask (lib/logging/data.ts maskAddress), for every address inside a text. */
export function maskAddresses(text: string): string {
  return text.replace(ADDRESS, (_all, local: string, domain: string) => `${local.slice(0, 1)}•••@${domain}`);
}

function clean(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const extra = value as Error & { code?: unknown; responseCode?: unknown; command?: unknown; response?: unknown };
    return {
      name: value.name,
      message: maskAddresses(value.message),
      code: extra.code,
      responseCode: extra.responseCode,
      command: extra.command,
      stack: process.env.NODE_ENV === "production" ? undefined : maskAddresses(value.stack?.split("\n").slice(0, 6).join("\n") ?? ""),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return maskAddresses(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "••••" : clean(v, depth + 1)]));
}

const COLOURS: Record<string, string> = { debug: "\x1b[90m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" };

/** Development on a terminal: "14:05:03 warn  message  key=value …" instead of JSON. */
function prettyStream(target: NodeJS.WritableStream): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          const { at, level, message, ...fields } = JSON.parse(line) as Fields & { at: string; level: string; message: string };
          const rest = Object.entries(fields)
            .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join(" ");
          target.write(`${String(at).slice(11, 19)} ${COLOURS[level] ?? ""}${level.padEnd(5)}\x1b[0m ${message}${rest ? `  \x1b[90m${rest}\x1b[0m` : ""}\n`);
        } catch {
          target.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

export type LogFormat = "json" | "pretty";

function defaultFormat(stream: NodeJS.WriteStream): LogFormat {
  const chosen = process.env.LOG_FORMAT;
  if (chosen === "json" || chosen === "pretty") return chosen;
  return process.env.NODE_ENV !== "production" && stream.isTTY ? "pretty" : "json";
}

function pinoOn(destination: DestinationStream) {
  return pino(
    {
      level: "debug",
      base: undefined,
      messageKey: "message",
      timestamp: () => `,"at":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type Logger = { [L in Level]: (message: string, context?: Fields) => void };

/** A logger writing to the given streams (the tests pass their own; the process uses stdout/stderr). */
export function createLogger(streams: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; format: LogFormat }): Logger {
  const wrap = (stream: NodeJS.WritableStream) => (streams.format === "pretty" ? prettyStream(stream) : (stream as DestinationStream));
  const out = pinoOn(wrap(streams.out));
  const err = streams.err === streams.out ? out : pinoOn(wrap(streams.err));
  const write = (level: Level, message: string, context?: Fields) => {
    if (level === "debug" && !process.env.DEBUG) return;
    // Vitest runs workers in-process; their routine lines would bury the test report.
    if (level === "info" && process.env.VITEST && !process.env.DEBUG && streams.out === process.stdout) return;
    const target = level === "error" || level === "warn" ? err : out;
    target[level](clean(context ?? {}) as object, maskAddresses(message));
  };
  return {
    debug: (message, context) => write("debug", message, context),
    info: (message, context) => write("info", message, context),
    warn: (message, context) => write("warn", message, context),
    error: (message, context) => write("error", message, context),
  };
}

export const logger: Logger = createLogger({ out: process.stdout, err: process.stderr, format: defaultFormat(process.stdout) });
