import type { Metadata } from "next";
import type { ReactNode } from "react";
import { I18nProvider } from "@/lib/i18n/client.tsx";
import { getLocale } from "@/lib/i18n/server.ts";
import { catalog } from "@/lib/i18n/translate.ts";
import "./globals.css";

export const metadata: Metadata = { title: "Postkamer", description: "Uitgaande e-mail via je eigen mailserver" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  return (
    <html lang={locale}>
      <body>
        <I18nProvider locale={locale} messages={catalog(locale)}>
          {children}
        </I18nProvider>
      </body>
    </html>
  );
}
