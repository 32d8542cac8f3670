import Link from "next/link";
import type { Translate } from "@/lib/i18n/translate.ts";
import { NOTICES, type NoticeCode } from "./notice-codes.ts";

const TONES = {
  success: "border-brand-200 bg-brand-50 text-brand-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-red-200 bg-red-50 text-red-900",
} as const;

export type NextStep = { label: string; href: string };

/**
 * A notice at the top of a page: what happened, the next step as buttons, and "Sluiten", which
 * goes to the same page without the code (so a refresh keeps the notice until it is closed).
 */
export function PageNotice({
  code,
  values = {},
  next = [],
  closeHref,
  t,
}: {
  code: NoticeCode;
  values?: Record<string, string | number>;
  next?: NextStep[];
  closeHref: string;
  t: Translate;
}) {
  const notice = NOTICES[code];
  return (
    <div
      role={notice.tone === "error" ? "alert" : "status"}
      className={`flex flex-wrap items-start gap-3 rounded border p-3 text-sm ${TONES[notice.tone]}`}
      data-testid="page-notice"
      data-notice={code}
    >
      <p className="min-w-0 flex-1">{t(notice.message, values)}</p>
      {next.length > 0 ? (
        <div className="flex flex-wrap gap-2">
          {next.map((step, index) => (
            <Link key={step.href} href={step.href} className={`${index === 0 ? "btn" : "btn-secondary"} no-underline hover:no-underline`}>
              {step.label}
            </Link>
          ))}
        </div>
      ) : null}
      <Link href={closeHref} replace scroll={false} className="text-xs text-slate-600" aria-label={t("notices.closeLabel")}>
        {t("notices.close")}
      </Link>
    </div>
  );
}
