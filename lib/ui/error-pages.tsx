import "server-only";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import { PATHNAME_HEADER, pagePermission } from "@/lib/auth/page-permissions.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { getCurrentUser } from "@/lib/auth/session.ts";
import { formatList } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { loadRightsGranters } from "@/lib/rights/data.ts";

/**
 * The 404 and 403 pages' content. Inside the admin layout (app/(beheer)/not-found.tsx and
 * forbidden.tsx) it goes into the layout's <main>; outside it (app/not-found.tsx, app/forbidden.tsx)
 * StandalonePage gives it a banner and a <main> of its own: one of each on every page.
 */
export async function StandalonePage({ children }: { children: ReactNode }) {
  const t = await getT();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto max-w-7xl px-4 py-3 md:px-6">
          <Link href="/" className="text-lg font-bold text-brand-700 no-underline">
            {t("app.name")}
          </Link>
        </div>
      </header>
      <main className="mx-auto max-w-xl px-4 py-10">{children}</main>
    </div>
  );
}

export async function NotFoundCard() {
  const t = await getT();
  return (
    <div className="card max-w-2xl space-y-3" data-testid="not-found">
      <h1>{t("common.notFoundTitle")}</h1>
      <p className="text-slate-700">{t("errorPages.notFoundIntro")}</p>
      <p className="text-slate-700">{t("errorPages.notFoundNext")}</p>
      <p>
        <Link href="/" className="btn no-underline hover:no-underline">
          {t("common.backHome")}
        </Link>
      </p>
    </div>
  );
}

/**
 * Names the right the page asked for (found from the requested path, see
 * lib/auth/page-permissions.ts) and who can grant it. Users' names are shown to readers with the
 * audit trail, which names the same people as actors anyway; others see the roles.
 */
export async function ForbiddenCard() {
  const t = await getT();
  const locale = await getLocale();
  const path = (await headers()).get(PATHNAME_HEADER);
  const right = path ? pagePermission(path) : null;
  const user = await getCurrentUser();
  const manage = t("permissions.RIGHTS_MANAGE");
  let grant: ReactNode;
  if (user?.permissions.has(Permission.RIGHTS_MANAGE)) {
    grant = (
      <>
        {t("errorPages.forbiddenSelf")} <Link href="/autorisaties/emails">{t("errorPages.forbiddenSelfLink")}</Link>
      </>
    );
  } else {
    const granters = await loadRightsGranters();
    if (user?.permissions.has(Permission.AUDIT_VIEW) && granters.users.length > 0) {
      grant = t("errorPages.grantByUsers", { manage, names: formatList(granters.users, locale) });
    } else if (granters.roles.length > 0) {
      grant = t("errorPages.grantByRoles", { manage, count: granters.roles.length, roles: formatList(granters.roles, locale) });
    } else {
      grant = t("errorPages.grantByNobody", { manage });
    }
  }
  return (
    <div className="card max-w-2xl space-y-3" data-testid="forbidden">
      <h1>{t("common.forbiddenTitle")}</h1>
      <p className="text-slate-700" data-testid="missing-right">
        {right ? t("errorPages.forbiddenRight", { right: t(`permissions.${right}`) }) : t("common.forbiddenBody")}
      </p>
      <p className="text-slate-700" data-testid="who-can-grant">
        {grant}
      </p>
      <p>
        <Link href="/" className="btn no-underline hover:no-underline">
          {t("common.backHome")}
        </Link>
      </p>
    </div>
  );
}
