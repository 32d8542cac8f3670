import { loadAuditEntries, loadAuditFilterOptions } from "@/lib/audit/data.ts";
import { AuditView } from "@/lib/audit/components/audit-view.tsx";
import { parseAuditSearch } from "@/lib/audit/schema.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePagePermission(Permission.AUDIT_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { filter, cursor, problems } = parseAuditSearch(await searchParams);
  const [{ entries, nextCursor }, options] = await Promise.all([loadAuditEntries(filter, cursor), loadAuditFilterOptions()]);
  return (
    <div className="space-y-4">
      <PageHeader title={t("audit.title")} intro={t("audit.intro")} />
      <AuditView entries={entries} nextCursor={nextCursor} cursor={cursor} filter={filter} problems={problems} options={options} t={t} locale={locale} />
    </div>
  );
}
