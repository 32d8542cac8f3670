import { createTranslator, type IntlError } from "use-intl/core";
import { en } from "./messages/en.ts";
import { nl, type Messages } from "./messages/nl.ts";

/**
 * The message catalogs and the one translator the whole app uses: use-intl (the core of
 * next-intl), so every entry is an ICU message — `{count, plural, one {# poging} other {#
 * pogingen}}`, `{when, date, short}` — formatted by the platform's Intl with Dutch and English
 * plural rules. The same translator serves server components (lib/i18n/server.ts), client
 * components (lib/i18n/client.tsx), server actions, the worker and the CLI. next-intl itself
 * adds a build plugin and locale routing we do not use (the language is a cookie, not a path).
 */
export const LOCALES = ["nl", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "nl";
export const LOCALE_COOKIE = "postkamer-locale";
/** Moments are shown in Dutch time whatever the server's or browser's zone (see format.ts). */
export const TIME_ZONE = "Europe/Amsterdam";

type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every translatable key, e.g. "login.submit". A typo is a type error. */
export type MessageKey = Leaves<Messages>;
export type Vars = Record<string, string | number | Date>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

const catalogs: Record<Locale, Messages> = { nl, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export function catalog(locale: Locale): Messages {
  return catalogs[locale];
}

function lookup(messages: Messages, key: string): string | undefined {
  let node: unknown = messages;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** For keys built from stored codes (notes, audit actions): is there such an entry? */
export function isMessageKey(key: string): key is MessageKey {
  return lookup(nl, key) !== undefined;
}

/**
 * A missing key or a malformed message shows the key (a visible, searchable defect rather than a
 * crashed page) and is reported once on stderr.
 */
const reported = new Set<string>();
export function reportIntlError(error: IntlError): void {
  if (reported.has(error.message)) return;
  reported.add(error.message);
  console.error(`[i18n] ${error.code}: ${error.message}`);
}

export function messageFallback({ namespace, key }: { namespace?: string; key: string }): string {
  return namespace ? `${namespace}.${key}` : key;
}

/** What both the server translator and the client provider are configured with. */
export const intlOptions = { timeZone: TIME_ZONE, onError: reportIntlError, getMessageFallback: messageFallback } as const;

const translators = new Map<Locale, Translate>();

/** The translator for a language; made once per process and language. */
export function translator(locale: Locale): Translate {
  let t = translators.get(locale);
  if (!t) {
    const translate = createTranslator({ locale, messages: catalogs[locale], ...intlOptions });
    t = (key, vars) => translate(key, vars);
    translators.set(locale, t);
  }
  return t;
}
