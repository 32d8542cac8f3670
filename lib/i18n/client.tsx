"use client";

import { createContext, useContext, type ReactNode } from "react";
import { IntlProvider, useTranslations } from "use-intl";
import type { Messages } from "./messages/nl.ts";
import { intlOptions, type Locale, type Translate } from "./translate.ts";

const LocaleContext = createContext<Locale | null>(null);

/** use-intl's provider with the same options as the server's translator (lib/i18n/translate.ts). */
export function I18nProvider({ locale, messages, children }: { locale: Locale; messages: Messages; children: ReactNode }) {
  return (
    <LocaleContext.Provider value={locale}>
      <IntlProvider locale={locale} messages={messages} {...intlOptions}>
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  );
}

export function useT(): Translate {
  return useTranslations();
}

export function useLocale(): Locale {
  const locale = useContext(LocaleContext);
  if (!locale) throw new Error("useLocale() outside <I18nProvider>");
  return locale;
}
