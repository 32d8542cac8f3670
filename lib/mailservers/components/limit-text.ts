import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { SendingLimit } from "../presets.ts";

/** "minuut", "10 seconden", "2 × 24 uur": the window of a limit, a bare unit when it is one period long. */
export function windowText(limit: Pick<SendingLimit, "window" | "windowSize">, t: Translate): string {
  const size = limit.windowSize ?? 1;
  return size === 1 ? t(`mailservers.limits.window.${limit.window}`) : t(`mailservers.limits.windowCount.${limit.window}`, { count: size });
}

/**
 * "30 berichten per minuut", "1 bericht per seconde", "10.000 ontvangers per 24 uur": the count
 * with its noun in the right number (an ICU plural; the number formatted for the language).
 */
export function limitSentence(limit: SendingLimit, t: Translate, _locale?: Locale): string {
  return t(`mailservers.limits.rate.${limit.unit}`, { count: limit.count, window: windowText(limit, t) });
}
