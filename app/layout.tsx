import type { Metadata } from "next";
import type { ReactNode } from "react";
import { I18nProvider } from "@/lib/i18n/client.tsx";
import { getLocale } from "@/lib/i18n/server.ts";
import { catalog } from "@/lib/i18n/translate.ts";
import "./globals.css";

// The icons live in public/; linked here so no browser has to guess (and get a 404).
export const metadata: Metadata = {
  title: "Postkamer",
  description: "Uitgaande e-mail via je eigen mailserver",
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
  },
};

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
