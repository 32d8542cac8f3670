import type { Locale } from "./translate.ts";

/**
 * Dates, times and numbers as the reader's language writes them. Moments are shown in Dutch
 * time whatever the server's or browser's zone, so a page, a mail and the Logging agree; calendar
 * days (stored as midnight UTC) are shown as that day in every zone. Runs anywhere.
 */
const TAGS: Record<Locale, string> = { nl: "nl-NL", en: "en-GB" };
const ZONE = "Europe/Amsterdam";

/**
 * "1-12-2026, 14:05:09" (the default), "01-12-2026, 14:05" (short) or "1 december 2026 om 14:05"
 * (long, for mail).
 */
export function formatDateTime(date: Date, locale: Locale, style?: "short" | "long"): string {
  const styles: Intl.DateTimeFormatOptions = style ? { dateStyle: style, timeStyle: "short" } : {};
  return date.toLocaleString(TAGS[locale], { timeZone: ZONE, ...styles });
}

/** "14:05", or "14:05:09" with seconds. */
export function formatTime(date: Date, locale: Locale, { seconds = false }: { seconds?: boolean } = {}): string {
  return date.toLocaleTimeString(TAGS[locale], { timeZone: ZONE, hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) });
}

/** A calendar day: "1-12-2026", or "1 december 2026" (long). Takes a Date at midnight UTC or "YYYY-MM-DD". */
export function formatDate(day: Date | string, locale: Locale, style?: "long"): string {
  const date = typeof day === "string" ? new Date(day) : day;
  return date.toLocaleDateString(TAGS[locale], { timeZone: "UTC", ...(style === "long" ? { dateStyle: "long" } : {}) });
}

/** "10.000" or "10,000". */
export function formatNumber(value: number, locale: Locale): string {
  return value.toLocaleString(TAGS[locale]);
}
