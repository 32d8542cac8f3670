import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { config } from "@/lib/config.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { LogView } from "@/lib/logging/components/log-view.tsx";
import { PageHeader } from "@/lib/ui/page-header.tsx";

/** The platform's own delivery: ownership codes and templates on the default route. */
export default async function PlatformLoggingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  return (
    <div className="space-y-4">
      <PageHeader title={t("logging.platformTitle")} intro={t("logging.intro", { days: config().LOG_RETENTION_DAYS })} />
      <LogView serverId={null} base="/beheer/applicatieinstellingen/logging" searchParams={await searchParams} user={user} t={t} locale={locale} />
    </div>
  );
}
