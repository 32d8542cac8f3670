import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { catalog, DEFAULT_LOCALE, isLocale, LOCALE_COOKIE, translator, type Locale } from "./translate.ts";

export const getLocale = cache(async (): Promise<Locale> => {
  const value = (await cookies()).get(LOCALE_COOKIE)?.value;
  return isLocale(value) ? value : DEFAULT_LOCALE;
});

export async function getT() {
  return translator(catalog(await getLocale()));
}
