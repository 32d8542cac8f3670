import { limitSentence, windowText } from "@/lib/mailservers/components/limit-text.ts";
import { formatDateTime, formatNumber, formatTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { explainReply } from "@/lib/smtp/replies.ts";
import { ActionButton } from "@/lib/ui/form.tsx";
import { Table } from "@/lib/ui/table.tsx";
import { applyLimitSuggestionAction, dismissLimitSuggestionAction } from "../actions.ts";
import { parseLimitLabel } from "../limiter.ts";
import type { LimitSuggestion, ServerUsage } from "../data.ts";
import { STRUCTURAL_DAYS, STRUCTURAL_PERIOD_DAYS } from "@/lib/stats/rules.ts";

/** "≈ 27 per minuut" (messages) or "≈ 400 ontvangers per uur". */
function ceilingText(s: LimitSuggestion, t: Translate, locale: Locale): string {
  const count = formatNumber(s.observed, locale);
  return t(s.unit === "MESSAGES" ? "mailservers.learned.ceilingMessages" : "mailservers.learned.ceilingRecipients", { count, window: windowText(s, t) });
}

/** Limits that learn: the server throttled below our limit, so suggest its observed ceiling. */
function LimitSuggestions({
  serverId,
  suggestions,
  canEdit,
  t,
  locale,
}: {
  serverId: string;
  suggestions: LimitSuggestion[];
  canEdit: boolean;
  t: Translate;
  locale: Locale;
}) {
  const time = (date: Date) => formatDateTime(date, locale, "short");
  return (
    <>
      {suggestions.map((s) => {
        const key = `${s.window}-${s.windowSize}-${s.unit}`;
        const fields = { serverId, window: s.window, windowSize: s.windowSize, unit: s.unit };
        return (
          <div key={key} className="space-y-2 rounded border border-amber-300 bg-amber-50 p-3 text-amber-950" data-testid="limit-suggestion">
            <p className="font-medium">{ceilingText(s, t, locale)}</p>
            <p>
              {s.configured === null
                ? t("mailservers.learned.explainNoLimit", { times: s.observations, at: time(s.lastAt) })
                : t("mailservers.learned.explain", { configured: formatNumber(s.configured, locale), times: s.observations, at: time(s.lastAt) })}
            </p>
            <p className="font-mono text-xs break-all">{s.lastReply}</p>
            {canEdit ? (
              <div className="flex flex-wrap items-center gap-3">
                <ActionButton action={applyLimitSuggestionAction} fields={fields}>
                  {t("mailservers.learned.apply", { limit: limitSentence({ ...s, count: s.observed }, t, locale) })}
                </ActionButton>
                <ActionButton action={dismissLimitSuggestionAction} fields={fields} className="btn-secondary">
                  {t("mailservers.learned.dismiss")}
                </ActionButton>
              </div>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

/** Used versus limit per window now, the queue, and whether limits are hit structurally. */
export function UsagePanel({ usage, t, locale, canEdit = false }: { usage: ServerUsage; t: Translate; locale: Locale; canEdit?: boolean }) {
  const time = (date: Date) => formatTime(date, locale, { seconds: true });
  const deferredLimit = parseLimitLabel(usage.deferredReason);
  // A throttle reply is kept as "server: <reply>"; the catalogue says what it means.
  const serverReply = usage.deferredReason?.startsWith("server: ") ? usage.deferredReason.slice("server: ".length) : null;
  const explained = serverReply ? explainReply({ response: serverReply }) : undefined;
  return (
    <div className="space-y-3 text-sm" data-testid="usage">
      {usage.limits.length > 0 ? (
        <Table columns={[t("mailservers.usage.limit"), t("mailservers.usage.used")]} rows={usage.limits}>
          {(limit) => {
            const share = Math.min(100, Math.round((limit.used / limit.count) * 100));
            return (
              <tr key={`${limit.window}-${limit.windowSize}-${limit.unit}`}>
                <td>{limitSentence(limit, t, locale)}</td>
                <td>
                  <div className="flex items-center gap-2">
                    <div className="h-2 w-32 rounded bg-slate-100">
                      <div
                        className={`h-2 rounded ${share >= 100 ? "bg-red-500" : share >= 80 ? "bg-amber-500" : "bg-brand-600"}`}
                        style={{ width: `${share}%` }}
                      />
                    </div>
                    <span>
                      {formatNumber(limit.used, locale)} / {formatNumber(limit.count, locale)}
                    </span>
                  </div>
                </td>
              </tr>
            );
          }}
        </Table>
      ) : null}
      <p>{t("mailservers.usage.queue", { count: usage.waiting })}</p>
      {usage.deferredUntil ? (
        <p className="rounded bg-amber-50 p-2 text-amber-900" data-testid="deferred">
          {deferredLimit
            ? t("mailservers.usage.deferred", { time: time(usage.deferredUntil), limit: limitSentence(deferredLimit, t, locale) })
            : t("mailservers.usage.deferredByServer", { time: time(usage.deferredUntil), reason: usage.deferredReason ?? "" })}
          {explained ? (
            <span className="block">
              {explained[locale]} {explained.action ? explained.action[locale] : null}
            </span>
          ) : null}
        </p>
      ) : usage.nextAt ? (
        <p>{t("mailservers.usage.nextAt", { time: time(usage.nextAt) })}</p>
      ) : null}
      {usage.hitsThisWeek > 0 ? (
        <p data-testid="limit-hits">
          {t("mailservers.usage.hits", {
            count: usage.hitsThisWeek,
            minutes: formatNumber(usage.averageWaitMinutes ?? 0, locale),
          })}
        </p>
      ) : null}
      {usage.structural ? (
        <p className="rounded border border-amber-300 bg-amber-50 p-2 text-amber-900" data-testid="structural">
          {t("mailservers.usage.structural")}
        </p>
      ) : null}
      {usage.hitsThisWeek > 0 ? (
        <p className="text-xs text-slate-600" data-testid="structural-rule">
          {t("mailservers.usage.structuralRule", { days: STRUCTURAL_DAYS, period: STRUCTURAL_PERIOD_DAYS, count: usage.daysWithHits })}
        </p>
      ) : null}
      <LimitSuggestions serverId={usage.serverId} suggestions={usage.suggestions} canEdit={canEdit} t={t} locale={locale} />
    </div>
  );
}
