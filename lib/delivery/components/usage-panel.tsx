import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { parseLimitLabel } from "../limiter.ts";
import type { ServerUsage } from "../usage.ts";

/** Used versus limit per window now, the queue, and whether limits are hit structurally. */
export function UsagePanel({ usage, t, locale }: { usage: ServerUsage; t: Translate; locale: Locale }) {
  const time = (date: Date) => date.toLocaleTimeString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const deferredLimit = parseLimitLabel(usage.deferredReason);
  return (
    <div className="space-y-3 text-sm" data-testid="usage">
      {usage.limits.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th>{t("mailservers.usage.limit")}</th>
              <th>{t("mailservers.usage.used")}</th>
            </tr>
          </thead>
          <tbody>
            {usage.limits.map((limit) => {
              const share = Math.min(100, Math.round((limit.used / limit.count) * 100));
              return (
                <tr key={`${limit.window}-${limit.windowSize}-${limit.unit}`}>
                  <td>{limitSentence(limit, t, locale)}</td>
                  <td>
                    <div className="flex items-center gap-2">
                      <div className="h-2 w-32 rounded bg-slate-100">
                        <div className={`h-2 rounded ${share >= 100 ? "bg-red-500" : share >= 80 ? "bg-amber-500" : "bg-brand-600"}`} style={{ width: `${share}%` }} />
                      </div>
                      <span>
                        {limit.used.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB")} / {limit.count.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB")}
                      </span>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <p>{t("mailservers.usage.queue", { count: usage.waiting })}</p>
      {usage.deferredUntil ? (
        <p className="rounded bg-amber-50 p-2 text-amber-900" data-testid="deferred">
          {deferredLimit
            ? t("mailservers.usage.deferred", { time: time(usage.deferredUntil), limit: limitSentence(deferredLimit, t, locale) })
            : t("mailservers.usage.deferredByServer", { time: time(usage.deferredUntil), reason: usage.deferredReason ?? "" })}
        </p>
      ) : usage.nextAt ? (
        <p>{t("mailservers.usage.nextAt", { time: time(usage.nextAt) })}</p>
      ) : null}
      {usage.hitsThisWeek > 0 ? (
        <p data-testid="limit-hits">
          {t("mailservers.usage.hits", {
            count: usage.hitsThisWeek,
            minutes: (usage.averageWaitMinutes ?? 0).toLocaleString(locale === "nl" ? "nl-NL" : "en-GB"),
          })}
        </p>
      ) : null}
      {usage.structural ? <p className="rounded border border-amber-300 bg-amber-50 p-2 text-amber-900">{t("mailservers.usage.structural")}</p> : null}
    </div>
  );
}
