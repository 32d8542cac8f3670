import { formatNumber } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { SendingLimit } from "../presets.ts";

/** "minuut", "10 seconden": the window of a limit. */
export function windowText(limit: Pick<SendingLimit, "window" | "windowSize">, t: Translate): string {
  const size = limit.windowSize ?? 1;
  return size === 1 ? t(`mailservers.limits.window.${limit.window}`) : `${size} ${t(`mailservers.limits.windowPlural.${limit.window}`)}`;
}

/** "30 berichten per minuut", "10.000 ontvangers per 24 uur". */
export function limitSentence(limit: SendingLimit, t: Translate, locale: Locale): string {
  return t("mailservers.limits.sentence", {
    count: formatNumber(limit.count, locale),
    unit: t(`mailservers.limits.unitOption.${limit.unit}`),
    window: windowText(limit, t),
  });
}
