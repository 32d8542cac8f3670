import { parseLimitLabel, type Limit } from "./limiter.ts";

/**
 * What the engine itself has to say about a message (not a server's reply), stored as a code
 * with its values in `lastError` / `DeliveryAttempt.error` and put into words where it is shown,
 * in the reader's language (lib/logging/components/delivery-note.tsx). Anything else in those
 * fields is the text of an error from elsewhere (a socket, a library) and is shown as it is.
 */
export type DeliveryNote = { code: "gave-up" } | { code: "never-fits"; limit: Limit } | { code: "interrupted" } | { code: "possible-duplicate" };

const PREFIX = "note:";

export const deliveryNote = {
  gaveUp: () => `${PREFIX}gave-up`,
  neverFits: (limitLabel: string) => `${PREFIX}never-fits:${limitLabel}`,
  interrupted: () => `${PREFIX}interrupted`,
  possibleDuplicate: () => `${PREFIX}possible-duplicate`,
};

/** The note stored in a field, or null when the field holds other text. */
export function readDeliveryNote(value: string | null | undefined): DeliveryNote | null {
  if (!value?.startsWith(PREFIX)) return null;
  const [code, ...rest] = value.slice(PREFIX.length).split(":");
  switch (code) {
    case "gave-up":
    case "interrupted":
    case "possible-duplicate":
      return { code };
    case "never-fits": {
      const limit = parseLimitLabel(rest.join(":"));
      return limit ? { code, limit } : null;
    }
    default:
      return null;
  }
}
