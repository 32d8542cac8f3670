import type { LoggerInstance } from "next-auth";
import { logger } from "@/lib/log/logger.ts";
import { SessionEnded } from "./session-token.ts";

/**
 * next-auth's own logger writes a multi-line stack trace for every request with a cookie it
 * cannot read, so anyone could fill the log by sending forged cookies. Here each kind of event
 * is one JSON line (lib/log/logger.ts), at most once per window; the next line says how many
 * were left out meanwhile.
 */
export const AUTH_LOG_WINDOW_MS = 60_000;

type Entry = { lastAt: number; suppressed: number };

export function createAuthLogger(options: { windowMs?: number; now?: () => number } = {}): LoggerInstance {
  const windowMs = options.windowMs ?? AUTH_LOG_WINDOW_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  /** Whether to write this event now, and how many of its kind were left out before it. */
  function admit(key: string): { write: boolean; suppressed: number } {
    const at = now();
    const entry = entries.get(key);
    if (entry && at - entry.lastAt < windowMs) {
      entry.suppressed++;
      return { write: false, suppressed: 0 };
    }
    const suppressed = entry?.suppressed ?? 0;
    entries.set(key, { lastAt: at, suppressed: 0 });
    // The keys are next-auth's codes and our reasons: a handful, but never let them grow unbounded.
    if (entries.size > 100) entries.delete(entries.keys().next().value!);
    return { write: true, suppressed };
  }

  return {
    error(code, metadata) {
      const error = metadata instanceof Error ? metadata : (metadata as { error?: unknown } | undefined)?.error;
      if (error instanceof SessionEnded) {
        // A signed-out, expired or deactivated session: expected, not an error.
        const { write, suppressed } = admit(`ended:${error.reason}`);
        if (write) logger.info("session refused", { reason: error.reason, ...(suppressed ? { suppressed } : {}) });
        return;
      }
      const { write, suppressed } = admit(`error:${code}`);
      if (!write) return;
      const summary = error instanceof Error ? { name: error.name, message: error.message.slice(0, 200) } : {};
      const text = code === "JWT_SESSION_ERROR" ? "session cookie refused (forged, damaged or signed with another AUTH_SECRET)" : "sign-in error";
      logger.warn(text, { code, ...summary, ...(suppressed ? { suppressed } : {}) });
    },
    warn(code) {
      const { write } = admit(`warn:${code}`);
      if (write) logger.warn("next-auth warning", { code });
    },
    debug() {},
  };
}
