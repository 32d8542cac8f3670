import { readDeliveryNote } from "@/lib/delivery/notes.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";

/**
 * A stored error in words: the engine's own notes (lib/delivery/notes.ts) in the reader's
 * language, anything else (a socket's or a library's error text) as it is.
 */
export function errorText(value: string | null | undefined, t: Translate, locale: Locale): string {
  const note = readDeliveryNote(value);
  if (!note) return value ?? "";
  switch (note.code) {
    case "gave-up":
      return t("logging.notes.gaveUp");
    case "never-fits":
      return t("logging.notes.neverFits", { limit: limitSentence(note.limit, t, locale) });
    case "interrupted":
      return t("logging.notes.interrupted");
    case "possible-duplicate":
      return t("logging.notes.possibleDuplicate");
  }
}
