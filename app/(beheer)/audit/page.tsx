import Link from "next/link";
import { loadAuditEntries } from "@/lib/audit/data.ts";
import { describeAudit } from "@/lib/audit/describe.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { Table } from "@/lib/ui/table.tsx";

function describeChange(before: unknown, after: unknown): string {
  const show = (value: unknown) => (value == null ? "—" : JSON.stringify(value));
  if (before == null) return show(after);
  return `${show(before)} → ${show(after)}`;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  await requirePagePermission(Permission.AUDIT_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { before } = await searchParams;
  const cursor = before && /^\d{1,19}$/.test(before) ? BigInt(before) : undefined;
  const { entries, nextCursor } = await loadAuditEntries(cursor);
  return (
    <div className="space-y-4">
      <PageHeader title={t("audit.title")} intro={t("audit.intro")} />
      <Table
        card
        testId="audit-table"
        columns={[t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.changes")]}
        rows={entries}
        empty={t("audit.empty")}
      >
        {(entry) => (
          <tr key={entry.id.toString()}>
            <td className="whitespace-nowrap">{formatDateTime(entry.at, locale)}</td>
            <td>{entry.actorLabel}</td>
            <td>
              {describeAudit(entry, t, locale)}
              <div className="font-mono text-xs text-slate-500">{entry.action}</div>
            </td>
            <td className="max-w-md font-mono text-xs break-all text-slate-600">{describeChange(entry.before, entry.after)}</td>
          </tr>
        )}
      </Table>
      <div className="flex gap-3">
        {cursor ? <Link href="/audit">{t("common.previous")}</Link> : null}
        {nextCursor ? <Link href={`/audit?before=${nextCursor}`}>{t("common.next")}</Link> : null}
      </div>
    </div>
  );
}
