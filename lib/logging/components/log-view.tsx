import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { loadMessages, parseLogFilters } from "../data.ts";
import { MessageTable } from "./message-table.tsx";

const STATUSES = ["QUEUED", "DEFERRED", "SENDING", "SENT", "PARTIALLY_SENT", "RETRYING", "FAILED", "CANCELLED"] as const;
type SearchParams = Record<string, string | string[] | undefined>;

/** The Logging of one server (or of the platform route): filters in the URL, keyset paging. */
export async function LogView({
  serverId,
  base,
  searchParams,
  user,
  t,
  locale,
}: {
  serverId: string | null;
  base: string;
  searchParams: SearchParams;
  user: CurrentUser;
  t: Translate;
  locale: Locale;
}) {
  const details = user.permissions.has(Permission.LOG_DETAILS_VIEW);
  const filters = parseLogFilters(searchParams);
  const { messages, nextCursor } = await loadMessages({ serverId, details, ...filters });
  const selected = new Set(filters.statuses ?? []);
  const keep = new URLSearchParams();
  for (const status of selected) keep.append("status", status);
  for (const key of ["van", "tot", ...(details ? ["ontvanger"] : [])]) {
    const value = searchParams[key];
    if (typeof value === "string" && value) keep.set(key, value);
  }
  const withCursor = (cursor: bigint) => `${base}?${new URLSearchParams([...keep.entries(), ["voor", cursor.toString()]]).toString()}`;
  return (
    <div className="space-y-4">
      <form method="get" action={base} className="card flex flex-wrap items-end gap-4 text-sm" data-testid="log-filters">
        <fieldset className="flex flex-wrap gap-3">
          <legend className="mb-1 text-sm font-medium text-slate-700">{t("logging.filterStatus")}</legend>
          {STATUSES.map((status) => (
            <label key={status} className="flex items-center gap-1 font-normal">
              <input type="checkbox" name="status" value={status} defaultChecked={selected.has(status)} className="accent-brand-600" />
              {t(`logging.status.${status}`)}
            </label>
          ))}
        </fieldset>
        <div>
          <label htmlFor="van">{t("logging.filterFrom")}</label>
          <input
            id="van"
            name="van"
            type="date"
            defaultValue={typeof searchParams.van === "string" ? searchParams.van : ""}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
          />
        </div>
        <div>
          <label htmlFor="tot">{t("logging.filterTo")}</label>
          <input
            id="tot"
            name="tot"
            type="date"
            defaultValue={typeof searchParams.tot === "string" ? searchParams.tot : ""}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
          />
        </div>
        {details ? (
          <div className="w-64">
            <label htmlFor="ontvanger">{t("logging.filterRecipient")}</label>
            <input id="ontvanger" name="ontvanger" type="email" defaultValue={typeof searchParams.ontvanger === "string" ? searchParams.ontvanger : ""} />
          </div>
        ) : null}
        <button type="submit" className="btn">
          {t("logging.filterApply")}
        </button>
        <Link href={base}>{t("logging.filterReset")}</Link>
      </form>
      <MessageTable messages={messages} t={t} locale={locale} />
      <div className="flex gap-3">
        {filters.before ? <Link href={keep.size ? `${base}?${keep.toString()}` : base}>{t("common.previous")}</Link> : null}
        {nextCursor ? <Link href={withCursor(nextCursor)}>{t("common.next")}</Link> : null}
      </div>
    </div>
  );
}
