import Link from "next/link";
import { listAuditEntries } from "@/lib/audit/data.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";

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
  const { entries, nextCursor } = await listAuditEntries(db(), { before: cursor });
  return (
    <div className="space-y-4">
      <div>
        <h1>{t("audit.title")}</h1>
        <p className="mt-1 text-sm text-slate-600">{t("audit.intro")}</p>
      </div>
      <div className="card overflow-x-auto">
        {entries.length === 0 ? (
          <p className="text-slate-600">{t("audit.empty")}</p>
        ) : (
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>{t("audit.at")}</th>
                <th>{t("audit.actor")}</th>
                <th>{t("audit.action")}</th>
                <th>{t("audit.subject")}</th>
                <th>{t("audit.changes")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id.toString()}>
                  <td className="whitespace-nowrap">{entry.at.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" })}</td>
                  <td>{entry.actorLabel}</td>
                  <td className="font-mono text-xs">{entry.action}</td>
                  <td>{entry.summary}</td>
                  <td className="max-w-md font-mono text-xs break-all text-slate-600">{describeChange(entry.before, entry.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="flex gap-3">
        {cursor ? <Link href="/audit">{t("common.previous")}</Link> : null}
        {nextCursor ? <Link href={`/audit?before=${nextCursor}`}>{t("common.next")}</Link> : null}
      </div>
    </div>
  );
}
