import { en } from "./messages/en.ts";
import { nl, type Messages } from "./messages/nl.ts";

export const LOCALES = ["nl", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "nl";
export const LOCALE_COOKIE = "postkamer-locale";

type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every translatable key, e.g. "login.submit". A typo is a type error. */
export type MessageKey = Leaves<Messages>;
export type Vars = Record<string, string | number>;
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

export function isMessageKey(key: string): key is MessageKey {
  return lookup(nl, key) !== undefined;
}

export function translator(messages: Messages): Translate {
  return (key, vars) => {
    const text = lookup(messages, key) ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}

/** A catalog entry with a `one` and an `other` form, e.g. "logging.recipients" for "1 ontvanger" / "2 ontvangers". */
export type PluralKey = { [K in MessageKey]: K extends `${infer Base}.one` ? (`${Base}.other` extends MessageKey ? Base : never) : never }[MessageKey];

/** Dutch and English only tell one from many, so the count picks the form; {count} is filled in. */
export function plural(t: Translate, key: PluralKey, count: number, vars: Vars = {}): string {
  return t(`${key}.${count === 1 ? "one" : "other"}` as MessageKey, { count, ...vars });
}
