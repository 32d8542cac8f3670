"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { Messages } from "./messages/nl.ts";
import { translator, type Locale, type Translate } from "./translate.ts";

const I18nContext = createContext<{ locale: Locale; t: Translate } | null>(null);

export function I18nProvider({ locale, messages, children }: { locale: Locale; messages: Messages; children: ReactNode }) {
  const value = useMemo(() => ({ locale, t: translator(messages) }), [locale, messages]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useT(): Translate {
  const context = useContext(I18nContext);
  if (!context) throw new Error("useT() outside <I18nProvider>");
  return context.t;
}

export function useLocale(): Locale {
  const context = useContext(I18nContext);
  if (!context) throw new Error("useLocale() outside <I18nProvider>");
  return context.locale;
}
