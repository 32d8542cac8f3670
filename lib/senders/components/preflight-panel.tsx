import type { PreflightVerdict } from "@/lib/generated/prisma/enums.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { ActionButton } from "@/lib/ui/form.tsx";
import { Table } from "@/lib/ui/table.tsx";
import { recheckPreflightAction } from "../actions.ts";
import { DMARC_PROVIDERS } from "../dmarc-providers.ts";
import type { CheckStatus, Finding, PreflightReport } from "../preflight.ts";
import { PreflightBadge } from "./preflight-badge.tsx";

const STATUS_STYLE: Record<CheckStatus, string> = {
  ok: "bg-emerald-50 text-emerald-800",
  warn: "bg-amber-50 text-amber-900",
  fail: "bg-red-50 text-red-800",
};

/**
 * "DMARC-controle" on the sender page: verdict, every check with what DNS holds, and the records
 * to add in a table whose values select with one click. A plain form re-checks, so it works
 * without JavaScript.
 */
export function PreflightPanel({
  senderId,
  verdict,
  checkedAt,
  report,
  canEdit,
  t,
  locale,
}: {
  senderId: string;
  verdict: PreflightVerdict | null;
  checkedAt: Date | null;
  report: PreflightReport | null;
  canEdit: boolean;
  t: Translate;
  locale: Locale;
}) {
  const provider = report ? DMARC_PROVIDERS[report.serverType] : undefined;
  const where = provider && provider.dkim.kind !== "unknown" ? provider.dkim.where[locale] : "";
  const toAdd = report?.checks.flatMap((check) => check.toAdd) ?? [];
  const finding = (item: Finding) => t(`senders.preflight.findings.${item.key}`, item.vars);
  return (
    <section className="card space-y-3" data-testid="preflight">
      <div className="flex items-start justify-between gap-4">
        <div>
          <h2>{t("senders.preflight.title")}</h2>
          <p className="text-sm text-slate-600">{t("senders.preflight.intro")}</p>
        </div>
        <PreflightBadge verdict={verdict} t={t} />
      </div>
      {report && checkedAt ? (
        <>
          <p className="text-xs text-slate-500">{t("senders.preflight.checkedAt", { at: formatDateTime(checkedAt, locale) })}</p>
          <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="preflight-reasons">
            {report.reasons.map((reason) => (
              <li key={reason.key}>{t(`senders.preflight.reasons.${reason.key}`, reason.vars)}</li>
            ))}
          </ul>
          <Table columns={[t("senders.preflight.columns.check"), t("senders.preflight.columns.status"), t("senders.preflight.found")]} rows={report.checks}>
            {(check) => (
              <tr key={check.id} data-check={check.id} data-status={check.status}>
                <td className="font-medium">{t(`senders.preflight.checks.${check.id}`)}</td>
                <td>
                  <span className={`rounded px-2 py-0.5 text-xs font-medium whitespace-nowrap ${STATUS_STYLE[check.status]}`}>
                    {t(`senders.preflight.status.${check.status}`)}
                  </span>
                </td>
                <td className="text-sm">
                  {check.findings.map((item) => (
                    <p key={item.key}>{finding(item)}</p>
                  ))}
                  {check.found.length > 0 ? (
                    <ul className="mt-1 font-mono text-xs break-all text-slate-600">
                      {check.found.map((record) => (
                        <li key={record}>{record}</li>
                      ))}
                    </ul>
                  ) : null}
                </td>
              </tr>
            )}
          </Table>
          {toAdd.length > 0 ? (
            <div className="space-y-2" data-testid="preflight-records">
              <h3 className="font-medium">{t("senders.preflight.toAdd")}</h3>
              <p className="text-sm text-slate-600">{t("senders.preflight.toAddIntro")}</p>
              <Table columns={[t("senders.preflight.columns.type"), t("senders.preflight.columns.name"), t("senders.preflight.columns.value")]} rows={toAdd}>
                {(record) => (
                  <tr key={`${record.type} ${record.name} ${record.value}`} data-record-type={record.type}>
                    <td className="font-mono text-xs">{record.type}</td>
                    <td className="font-mono text-xs break-all">
                      <code className="select-all">{record.name}</code>
                    </td>
                    <td className="text-xs">
                      <code className="font-mono break-all select-all">{record.value}</code>
                      {record.replaces ? <p className="mt-1 text-slate-500">{t("senders.preflight.replaces", { record: record.replaces })}</p> : null}
                      {record.note ? (
                        <p className="mt-1 text-slate-500">{t(`senders.preflight.notes.${record.note.key}`, { ...record.note.vars, where })}</p>
                      ) : null}
                    </td>
                  </tr>
                )}
              </Table>
            </div>
          ) : null}
          {provider ? <p className="text-xs text-slate-500">{t("senders.preflight.source", { source: provider.source, date: provider.checkedOn })}</p> : null}
        </>
      ) : (
        <p className="text-sm text-slate-600">{t("senders.preflight.never")}</p>
      )}
      {canEdit ? (
        <ActionButton action={recheckPreflightAction} fields={{ senderId }} className="btn-secondary" testId="preflight-recheck">
          {t("senders.preflight.recheck")}
        </ActionButton>
      ) : null}
    </section>
  );
}
