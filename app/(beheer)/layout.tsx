import Link from "next/link";
import type { ReactNode } from "react";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { AdminNav, type NavGroup } from "@/lib/ui/admin-nav.tsx";
import { LanguageSwitch } from "@/lib/ui/language-switch.tsx";
import { SignOutButton } from "@/lib/ui/sign-out-button.tsx";
import { mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";

/**
 * Every page behind the sign-in: one banner, one labelled menu, one <main>. The error pages
 * inside it (not-found.tsx, forbidden.tsx in this folder) render into this <main>.
 */
export default async function BeheerLayout({ children }: { children: ReactNode }) {
  const user = await requirePagePermission();
  const t = await getT();
  const can = (permission: Permission) => user.permissions.has(permission);
  const settings = [
    can(Permission.MAILSERVERS_VIEW) ? { href: "/beheer/applicatieinstellingen/mailservers", label: t("nav.mailservers") } : null,
    can(Permission.TEMPLATES_VIEW) ? { href: "/beheer/applicatieinstellingen/sjablonen", label: t("nav.templates") } : null,
    can(Permission.MAILSERVERS_VIEW) ? { href: "/beheer/applicatieinstellingen/logging", label: t("nav.platformLogging") } : null,
    can(Permission.MAILSERVERS_VIEW) ? { href: "/beheer/applicatieinstellingen/platform", label: t("nav.platform") } : null,
    can(Permission.MAILSERVERS_EDIT) && mailCatcherEnabled() ? { href: "/beheer/postvak", label: t("nav.catcher") } : null,
  ].filter((item) => item !== null);
  const groups: NavGroup[] = [{ heading: t("nav.beheer"), subheading: t("nav.applicatieinstellingen"), items: settings }];
  if (can(Permission.RIGHTS_MANAGE)) {
    groups.push({
      heading: t("nav.autorisaties"),
      items: [
        { href: "/autorisaties/emails", label: t("nav.featureRights") },
        { href: "/autorisaties/gebruikers", label: t("nav.users") },
        { href: "/autorisaties/api-sleutels", label: t("nav.apiKeys") },
      ],
    });
  }
  if (can(Permission.AUDIT_VIEW)) groups.push({ items: [{ href: "/audit", label: t("nav.audit") }] });
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 md:px-6">
          <Link href="/" className="text-lg font-bold text-brand-700 no-underline">
            {t("app.name")}
          </Link>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-slate-600">
            <LanguageSwitch />
            <span data-testid="signed-in-as">{t("nav.signedInAs", { name: user.name })}</span>
            <SignOutButton label={t("nav.signOut")} />
          </div>
        </div>
      </header>
      <div className="mx-auto max-w-7xl px-4 py-6 md:flex md:gap-8 md:px-6">
        <AdminNav label={t("nav.mainMenu")} menuLabel={t("nav.menu")} groups={groups} />
        <main className="min-w-0 flex-1">{children}</main>
      </div>
    </div>
  );
}
