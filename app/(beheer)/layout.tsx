import Link from "next/link";
import type { ReactNode } from "react";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { LanguageSwitch } from "@/lib/ui/language-switch.tsx";
import { SignOutButton } from "@/lib/ui/sign-out-button.tsx";
import { mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";

export default async function BeheerLayout({ children }: { children: ReactNode }) {
  const user = await requirePagePermission();
  const t = await getT();
  const can = (permission: Permission) => user.permissions.has(permission);
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center justify-between px-6 py-3">
          <Link href="/" className="text-lg font-bold text-brand-700 no-underline">
            {t("app.name")}
          </Link>
          <div className="flex items-center gap-4 text-sm text-slate-600">
            <LanguageSwitch />
            <span data-testid="signed-in-as">{t("nav.signedInAs", { name: user.name })}</span>
            <SignOutButton label={t("nav.signOut")} />
          </div>
        </div>
      </header>
      <div className="mx-auto flex max-w-7xl gap-8 px-6 py-6">
        <nav className="w-64 shrink-0 text-sm" aria-label="Hoofdmenu">
          <p className="font-semibold text-slate-500 uppercase">{t("nav.beheer")}</p>
          <p className="mt-2 pl-2 text-slate-500">{t("nav.applicatieinstellingen")}</p>
          <ul className="mt-1 space-y-1 pl-4">
            {can(Permission.MAILSERVERS_VIEW) ? (
              <li>
                <Link href="/beheer/applicatieinstellingen/mailservers">{t("nav.mailservers")}</Link>
              </li>
            ) : null}
            {can(Permission.TEMPLATES_VIEW) ? (
              <li>
                <Link href="/beheer/applicatieinstellingen/sjablonen">{t("nav.templates")}</Link>
              </li>
            ) : null}
            {can(Permission.MAILSERVERS_VIEW) ? (
              <li>
                <Link href="/beheer/applicatieinstellingen/logging">{t("nav.platformLogging")}</Link>
              </li>
            ) : null}
            {can(Permission.MAILSERVERS_VIEW) ? (
              <li>
                <Link href="/beheer/applicatieinstellingen/platform">{t("nav.platform")}</Link>
              </li>
            ) : null}
            {can(Permission.MAILSERVERS_EDIT) && mailCatcherEnabled() ? (
              <li>
                <Link href="/beheer/postvak">{t("nav.catcher")}</Link>
              </li>
            ) : null}
          </ul>
          {can(Permission.RIGHTS_MANAGE) ? (
            <>
              <p className="mt-5 font-semibold text-slate-500 uppercase">{t("nav.autorisaties")}</p>
              <ul className="mt-1 space-y-1 pl-4">
                <li>
                  <Link href="/autorisaties/emails">{t("nav.featureRights")}</Link>
                </li>
                <li>
                  <Link href="/autorisaties/gebruikers">{t("nav.users")}</Link>
                </li>
                <li>
                  <Link href="/autorisaties/api-sleutels">{t("nav.apiKeys")}</Link>
                </li>
              </ul>
            </>
          ) : null}
          {can(Permission.AUDIT_VIEW) ? (
            <ul className="mt-5 space-y-1">
              <li>
                <Link href="/audit">{t("nav.audit")}</Link>
              </li>
            </ul>
          ) : null}
        </nav>
        <main className="min-w-0 flex-1">{children}</main>
      </div>
    </div>
  );
}
