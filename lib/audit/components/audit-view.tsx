import Link from "next/link";
import type { AuditEntryRow, AuditFilterOptions } from "@/lib/audit/data.ts";
import { describeChanges } from "@/lib/audit/changes.ts";
import { ACTION_GROUPS, AUDIT_ACTIONS, actionLabel, describeAudit } from "@/lib/audit/describe.ts";
import { actorText, objectText } from "@/lib/audit/export.ts";
import { AUDIT_SEARCH_PARAMS as P, auditSearchParams, type AuditCursor, type AuditFilter, type AuditFilterProblem } from "@/lib/audit/schema.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { Table } from "@/lib/ui/table.tsx";

const BASE = "/audit";
/** The global form styles leave date fields out; these match the selects beside them. */
const DATE_INPUT = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm";

function href(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** The filter: a plain GET form, so a filtered trail is a link that can be shared and bookmarked. */
function FilterForm({ filter, options, t }: { filter: AuditFilter; options: AuditFilterOptions; t: Translate }) {
  const groups = Object.keys(ACTION_GROUPS) as (keyof typeof ACTION_GROUPS)[];
  const actions = [...AUDIT_ACTIONS].map((action) => ({ action, label: actionLabel(action, t) })).sort((a, b) => a.label.localeCompare(b.label));
  return (
    <form
      method="get"
      action={BASE}
      className="card grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-3"
      data-testid="audit-filters"
      aria-label={t("audit.filters.title")}
    >
      <div>
        <label htmlFor="audit-actor">{t("audit.filters.actor")}</label>
        <select id="audit-actor" name={P.actor} defaultValue={filter.actor ?? ""}>
          <option value="">{t("audit.filters.anyone")}</option>
          <option value="system">{t("audit.system")}</option>
          {options.users.map((user) => (
            <option key={user.id} value={user.id}>
              {user.email}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-action">{t("audit.filters.action")}</label>
        <select id="audit-action" name={P.action} defaultValue={filter.action ?? ""}>
          <option value="">{t("audit.filters.everything")}</option>
          <optgroup label={t("audit.filters.groups")}>
            {groups.map((group) => (
              <option key={group} value={`group:${group}`}>
                {t(`audit.groups.${group}`)}
              </option>
            ))}
          </optgroup>
          <optgroup label={t("audit.filters.single")}>
            {actions.map(({ action, label }) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
          </optgroup>
        </select>
      </div>
      <div>
        <label htmlFor="audit-server">{t("audit.filters.server")}</label>
        <select id="audit-server" name={P.server} defaultValue={filter.serverId ?? ""}>
          <option value="">{t("audit.filters.any")}</option>
          {options.servers.map((server) => (
            <option key={server.id} value={server.id}>
              {server.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-template">{t("audit.filters.template")}</label>
        <select id="audit-template" name={P.template} defaultValue={filter.templateId ?? ""}>
          <option value="">{t("audit.filters.any")}</option>
          {options.templates.map((template) => (
            <option key={template.id} value={template.id}>
              {template.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-from">{t("audit.filters.from")}</label>
        <input id="audit-from" name={P.from} type="date" defaultValue={filter.from ?? ""} className={DATE_INPUT} />
      </div>
      <div>
        <label htmlFor="audit-to">{t("audit.filters.to")}</label>
        <input id="audit-to" name={P.to} type="date" defaultValue={filter.to ?? ""} className={DATE_INPUT} />
      </div>
      <div className="flex items-center gap-3 sm:col-span-2 lg:col-span-3">
        <button type="submit" className="btn">
          {t("audit.filters.apply")}
        </button>
        <Link href={BASE}>{t("audit.filters.reset")}</Link>
      </div>
    </form>
  );
}

function EntryDetails({ entry, t, locale }: { entry: AuditEntryRow; t: Translate; locale: Locale }) {
  const changes = describeChanges(entry.before, entry.after, t, locale);
  if (changes.length === 0 && !entry.clientAddress) return <span className="text-slate-500">—</span>;
  return (
    <details className="min-w-64">
      <summary className="cursor-pointer text-brand-700">{t("audit.details")}</summary>
      <ul className="mt-2 space-y-1" data-testid="audit-changes">
        {changes.map((change, index) => (
          <li key={index}>
            <span className="font-medium">{change.field}:</span>{" "}
            {change.before === null ? (
              change.after
            ) : (
              <>
                {change.before} → {change.after ?? "—"}
              </>
            )}
          </li>
        ))}
        {changes.length === 0 ? <li className="text-slate-500">{t("audit.noChanges")}</li> : null}
        {entry.clientAddress ? (
          <li className="text-slate-600">
            <span className="font-medium">{t("audit.clientAddress")}:</span> {entry.clientAddress}
          </li>
        ) : null}
      </ul>
    </details>
  );
}

export function AuditView({
  entries,
  nextCursor,
  cursor,
  filter,
  problems,
  options,
  t,
  locale,
}: {
  entries: AuditEntryRow[];
  nextCursor: AuditCursor | null;
  cursor: AuditCursor | null;
  filter: AuditFilter;
  problems: AuditFilterProblem[];
  options: AuditFilterOptions;
  t: Translate;
  locale: Locale;
}) {
  const filterParams = auditSearchParams(filter);
  return (
    <div className="space-y-4">
      <FilterForm filter={filter} options={options} t={t} />
      {problems.length > 0 ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800" data-testid="audit-filter-problems">
          {t("audit.filters.invalid", { problems: problems.map((problem) => t(`audit.filters.problems.${problem}`)).join("; ") })}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <a href={href(`${BASE}/export`, filterParams)} className="btn-secondary" data-testid="audit-export" download>
          {t("audit.export.link")}
        </a>
        <span className="text-slate-600">{t("audit.export.hint")}</span>
      </div>
      <Table
        card
        testId="audit-table"
        columns={[t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.object"), t("audit.changes")]}
        rows={entries}
        empty={t("audit.empty")}
      >
        {(entry) => (
          <tr key={entry.id.toString()}>
            <td className="whitespace-nowrap">{formatDateTime(entry.at, locale)}</td>
            <td className="min-w-44 break-words">{actorText(entry, t)}</td>
            <td className="min-w-56">
              <div className="font-medium">{actionLabel(entry.action, t)}</div>
              <div className="text-slate-600">{describeAudit(entry, t, locale)}</div>
            </td>
            <td>{objectText(entry, t)}</td>
            <td>
              <EntryDetails entry={entry} t={t} locale={locale} />
            </td>
          </tr>
        )}
      </Table>
      <nav className="flex gap-3 text-sm" aria-label={t("audit.title")}>
        {cursor ? <Link href={href(BASE, filterParams)}>{t("audit.paging.newest")}</Link> : null}
        {nextCursor ? (
          <Link href={href(BASE, auditSearchParams(filter, nextCursor))} data-testid="audit-older">
            {t("audit.paging.older")}
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
