import { createFormatter, type DateTimeFormatOptions } from "use-intl/core";
import { TIME_ZONE, type Locale } from "./translate.ts";

/**
 * Dates, times and numbers as the reader's language writes them, through use-intl's formatter
 * (the same one ICU messages such as `{when, date, short}` use). Moments are shown in Dutch time
 * whatever the server's or browser's zone, so a page, a mail and the Logging agree; calendar days
 * (stored as midnight UTC) are shown as that day in every zone. Runs anywhere.
 */
const TAGS: Record<Locale, string> = { nl: "nl-NL", en: "en-GB" };
const formatters = new Map<Locale, ReturnType<typeof createFormatter>>();

function formatter(locale: Locale) {
  let format = formatters.get(locale);
  if (!format) {
    format = createFormatter({ locale: TAGS[locale], timeZone: TIME_ZONE });
    formatters.set(locale, format);
  }
  return format;
}

/**
 * "1-12-2026, 14:05:09" (the default), "01-12-2026, 14:05" (short) or "1 december 2026 om 14:05"
 * (long, for mail).
 */
export function formatDateTime(date: Date, locale: Locale, style?: "short" | "long"): string {
  const options: DateTimeFormatOptions = style
    ? { dateStyle: style, timeStyle: "short" }
    : { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" };
  return formatter(locale).dateTime(date, options);
}

/** "14:05", or "14:05:09" with seconds. */
export function formatTime(date: Date, locale: Locale, { seconds = false }: { seconds?: boolean } = {}): string {
  return formatter(locale).dateTime(date, { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) });
}

/** A calendar day: "1-12-2026", or "1 december 2026" (long). Takes a Date at midnight UTC or "YYYY-MM-DD". */
export function formatDate(day: Date | string, locale: Locale, style?: "long"): string {
  const date = typeof day === "string" ? new Date(day) : day;
  return formatter(locale).dateTime(date, {
    timeZone: "UTC",
    ...(style === "long" ? { dateStyle: "long" } : { year: "numeric", month: "numeric", day: "numeric" }),
  });
}

/** "10.000" or "10,000". */
export function formatNumber(value: number, locale: Locale): string {
  return formatter(locale).number(value);
}

/** "Anna, Bram en Cees" or "Anna, Bram and Cees". */
export function formatList(items: string[], locale: Locale): string {
  return formatter(locale).list(items, { type: "conjunction" });
}
