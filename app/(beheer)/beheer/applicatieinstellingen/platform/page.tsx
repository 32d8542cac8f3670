import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { activateDkimKeyAction, rotateDkimKeyAction } from "@/lib/platform/actions.ts";
import type { RecordStatus } from "@/lib/platform/checks.ts";
import { loadPlatformOverview } from "@/lib/platform/data.ts";
import { ActionButton } from "@/lib/ui/form.tsx";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { Table } from "@/lib/ui/table.tsx";

export const dynamic = "force-dynamic";

const STATUS_CLASS: Record<RecordStatus, string> = {
  ok: "bg-green-100 text-green-900",
  missing: "bg-red-100 text-red-900",
  wrong: "bg-red-100 text-red-900",
  warn: "bg-amber-100 text-amber-900",
  unavailable: "bg-slate-100 text-slate-800",
};

/** The platform's own mail: what the operator must publish in DNS, checked live, and the DKIM key. */
export default async function PlatformPage() {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const canEdit = user.permissions.has(Permission.MAILSERVERS_EDIT);
  const t = await getT();
  const locale = await getLocale();
  const overview = await loadPlatformOverview();
  return (
    <div className="space-y-5">
      <PageHeader title={t("platform.title")} intro={t("platform.intro")} />
      <section className="card text-sm">
        <dl className="grid grid-cols-3 gap-2">
          <dt className="text-slate-500">{t("platform.fromAddress")}</dt>
          <dd className="col-span-2 font-mono" data-testid="platform-from">
            {overview.fromAddress}
          </dd>
          <dt className="text-slate-500">{t("platform.route")}</dt>
          <dd className="col-span-2">{overview.smarthost ? t("platform.routeSmarthost", { host: overview.smarthost }) : t("platform.routeMx")}</dd>
          <dt className="text-slate-500">{t("platform.smtpIps")}</dt>
          <dd className="col-span-2 font-mono">{overview.ips.length > 0 ? overview.ips.join(", ") : t("platform.smtpIpsUnset")}</dd>
        </dl>
      </section>
      <section className="space-y-2">
        <h2>{t("platform.recordsTitle")}</h2>
        <p className="text-sm text-slate-600">{t("platform.recordsIntro")}</p>
        <Table
          card
          testId="platform-records"
          columns={[t("platform.columns.record"), t("platform.columns.name"), t("platform.columns.value"), t("platform.columns.status")]}
          rows={overview.records}
        >
          {(record) => (
            <tr key={`${record.kind}-${record.name}`} data-testid={`record-${record.kind}`}>
              <td className="align-top whitespace-nowrap">
                {record.selector ? t(`platform.kinds.${record.kind}`, { selector: record.selector }) : t(`platform.kinds.${record.kind}`)}
                <div className="text-xs text-slate-500">{record.type}</div>
              </td>
              <td className="align-top font-mono text-xs break-all">{record.name}</td>
              <td className="align-top font-mono text-xs break-all" data-testid="record-value">
                {record.value}
              </td>
              <td className="align-top text-sm">
                <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATUS_CLASS[record.status]}`} data-testid="record-status">
                  {t(`platform.status.${record.status}`)}
                </span>
                {record.found.length > 0 ? (
                  <p className="mt-1 font-mono text-xs break-all text-slate-600">{t("platform.found", { value: record.found.join(" | ") })}</p>
                ) : null}
                {record.notes.map((note) => (
                  <p key={note.key} className="mt-1 text-xs">
                    {t(`platform.notes.${note.key}`, note.vars ?? {})}
                  </p>
                ))}
              </td>
            </tr>
          )}
        </Table>
      </section>
      <section className="card space-y-3 text-sm" data-testid="platform-key">
        <h2>{t("platform.keyTitle")}</h2>
        {overview.key ? (
          <dl className="grid grid-cols-3 gap-2">
            <dt className="text-slate-500">{t("platform.selector")}</dt>
            <dd className="col-span-2 font-mono" data-testid="key-selector">
              {overview.key.selector}
            </dd>
            {overview.key.createdAt ? (
              <>
                <dt className="text-slate-500">{t("platform.createdAt")}</dt>
                <dd className="col-span-2">{formatDateTime(overview.key.createdAt, locale)}</dd>
              </>
            ) : null}
            <dt className="text-slate-500">{t("platform.source")}</dt>
            <dd className="col-span-2">{overview.key.source === "configured" ? t("platform.sourceConfigured") : t("platform.sourceGenerated")}</dd>
            {overview.pending ? (
              <>
                <dt className="text-slate-500">{t("platform.pendingKey")}</dt>
                <dd className="col-span-2 font-mono" data-testid="pending-selector">
                  {overview.pending.selector} · {formatDateTime(overview.pending.createdAt, locale)}
                </dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {overview.key?.source === "configured" ? <p className="text-slate-600">{t("platform.configuredHelp")}</p> : null}
        {canEdit && overview.key?.source === "generated" ? (
          <div className="space-y-3">
            {overview.pending ? (
              <div className="space-y-1">
                <p className="text-slate-600">{t("platform.activateHelp")}</p>
                <ActionButton action={activateDkimKeyAction} fields={{}} className="btn" testId="activate-key">
                  {t("platform.activate")}
                </ActionButton>
              </div>
            ) : null}
            <div className="space-y-1">
              <p className="text-slate-600">{t("platform.rotateHelp")}</p>
              <ActionButton action={rotateDkimKeyAction} fields={{}} className="btn-secondary" testId="rotate-key">
                {t("platform.rotate")}
              </ActionButton>
            </div>
          </div>
        ) : null}
      </section>
      <section className="card space-y-2 text-sm">
        <h2>{t("platform.mtaStsTitle")}</h2>
        <p className="text-slate-600">{t("platform.mtaStsText")}</p>
      </section>
    </div>
  );
}
