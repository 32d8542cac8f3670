/**
 * Structured one-line JSON logs. Errors are reduced to name, message, code and SMTP fields;
 * values under secret-looking keys are masked, so a password or API key never reaches a log.
 */
type Level = "debug" | "info" | "warn" | "error";

const SECRET_KEY = /(pass(word)?|secret|token|authorization|cookie|apikey|api_key|key)$/i;

function clean(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const extra = value as Error & { code?: unknown; responseCode?: unknown; command?: unknown; response?: unknown };
    return {
      name: value.name,
      message: value.message,
      code: extra.code,
      responseCode: extra.responseCode,
      command: extra.command,
      stack: process.env.NODE_ENV === "production" ? undefined : value.stack?.split("\n").slice(0, 6).join("\n"),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "••••" : clean(v, depth + 1)]));
}

function write(level: Level, message: string, context?: Record<string, unknown>) {
  if (level === "debug" && !process.env.DEBUG) return;
  // Vitest runs workers in-process; their routine lines would bury the test report.
  if (level === "info" && process.env.VITEST && !process.env.DEBUG) return;
  const line = JSON.stringify({ at: new Date().toISOString(), level, message, ...(clean(context ?? {}) as object) });
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
}

export const logger = {
  debug: (message: string, context?: Record<string, unknown>) => write("debug", message, context),
  info: (message: string, context?: Record<string, unknown>) => write("info", message, context),
  warn: (message: string, context?: Record<string, unknown>) => write("warn", message, context),
  error: (message: string, context?: Record<string, unknown>) => write("error", message, context),
};
