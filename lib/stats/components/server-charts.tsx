import type { ReactNode } from "react";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import { formatDate, formatNumber, formatTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { ServerCharts } from "../data.ts";
import { CHART_COLOURS, StatsChart, type ChartReferenceArea, type ChartReferenceLine, type ChartSeries } from "./chart.tsx";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One chart with its title, a sentence that says what it shows, and its numbers as a table (the text alternative). */
function Figure({
  id,
  title,
  summary,
  columns,
  rows,
  children,
  t,
}: {
  id: string;
  title: string;
  summary: string;
  columns: string[];
  rows: (string | number)[][];
  children: ReactNode;
  t: Translate;
}) {
  return (
    <figure className="min-w-0 space-y-2" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} data-testid={`chart-${id}`}>
      <h3 id={`${id}-title`} className="text-sm font-semibold text-slate-900">
        {title}
      </h3>
      <p id={`${id}-summary`} className="text-xs text-slate-600" data-testid="chart-summary">
        {summary}
      </p>
      {children}
      <details className="text-xs">
        <summary className="cursor-pointer text-brand-700">{t("stats.table")}</summary>
        <div className="mt-2 max-h-64 overflow-auto" tabIndex={0}>
          <table className="table" data-testid="chart-table">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={index}>
                  {row.map((cell, cellIndex) =>
                    cellIndex === 0 ? (
                      <th key={cellIndex} scope="row">
                        {cell}
                      </th>
                    ) : (
                      <td key={cellIndex}>{cell}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** Each limit whose window fits in a bucket, as the most that bucket can hold under it (30 per minute: 1.800 per hour). */
function limitLines(charts: ServerCharts, bucketMs: number, unit: "MESSAGES" | "RECIPIENTS", t: Translate, locale: Locale): ChartReferenceLine[] {
  const bucket = t(bucketMs === HOUR ? "stats.bucketHour" : "stats.bucketDay");
  return charts.limits
    .filter((l) => l.unit === unit && l.windowMs <= bucketMs)
    .map((l) => {
      const count = Math.floor((l.count * bucketMs) / l.windowMs);
      return {
        value: count,
        label: t("stats.limitLine", { limit: limitSentence(l, t, locale), count: formatNumber(count, locale), bucket }),
        colour: unit === "MESSAGES" ? CHART_COLOURS.red : CHART_COLOURS.amber,
      };
    });
}

/** The server page's history: hand-overs against the limits, the queue and waiting time, deferrals and pauses, sent and failed. */
export function ServerChartsPanel({ charts, t, locale }: { charts: ServerCharts; t: Translate; locale: Locale }) {
  const n = (value: number | null) => (value === null ? "–" : formatNumber(value, locale));
  const hourLabel = (at: number) => formatTime(new Date(at), locale);
  const dayLabel = (day: string) => formatDate(day, locale).replace(/-\d{4}$|\/\d{4}$/, "");
  const hasRecipientLimits = charts.limits.some((l) => l.unit === "RECIPIENTS");
  const days = charts.retentionDays;

  const hourRows = charts.hours.map((h) => ({
    label: hourLabel(h.at),
    handedOver: h.handedOver,
    recipients: h.recipients,
    queue: h.queue,
    averageWait: h.averageWaitMinutes,
    maxWait: h.maxWaitMinutes,
  }));
  const hourSeries: ChartSeries[] = [{ key: "handedOver", label: t("stats.series.handedOver"), kind: "bar", colour: CHART_COLOURS.brand }];
  if (hasRecipientLimits) hourSeries.push({ key: "recipients", label: t("stats.series.recipients"), kind: "line", colour: CHART_COLOURS.slate });
  const hourLines = [...limitLines(charts, HOUR, "MESSAGES", t, locale), ...(hasRecipientLimits ? limitLines(charts, HOUR, "RECIPIENTS", t, locale) : [])];
  // Deferral periods as shaded hours on the 48-hour axis.
  const areas: ChartReferenceArea[] = [];
  for (let i = 0; i < charts.hours.length; i++) {
    if (!charts.hours[i]!.deferred) continue;
    let j = i;
    while (j + 1 < charts.hours.length && charts.hours[j + 1]!.deferred) j++;
    areas.push({ from: hourRows[i]!.label, to: hourRows[j]!.label, label: t("stats.series.deferred") });
    i = j;
  }
  const total48 = charts.hours.reduce((sum, h) => sum + h.handedOver, 0);
  const peakHour = charts.hours.reduce((best, h) => (h.handedOver > best.handedOver ? h : best), charts.hours[0]!);
  const maxWait = Math.max(0, ...charts.hours.map((h) => h.maxWaitMinutes ?? 0));

  const dayRows = charts.days.map((d) => ({
    label: dayLabel(d.day),
    handedOver: d.handedOver,
    recipients: d.recipients,
    sent: d.handedOver,
    failed: d.failed,
    episodes: d.episodes,
    pauses: d.pauses,
  }));
  const dayLines = [...limitLines(charts, DAY, "MESSAGES", t, locale), ...(hasRecipientLimits ? limitLines(charts, DAY, "RECIPIENTS", t, locale) : [])];
  const totalDays = charts.days.reduce((sum, d) => sum + d.handedOver, 0);
  const peakDay = charts.days.reduce((best, d) => (d.handedOver > best.handedOver ? d : best), charts.days[0] ?? { handedOver: 0, day: "" });
  const failedDays = charts.days.reduce((sum, d) => sum + d.failed, 0);
  const episodes = charts.days.reduce((sum, d) => sum + d.episodes, 0);
  const pauses = charts.days.reduce((sum, d) => sum + d.pauses, 0);
  // A server that has not sent, waited or paused in the whole period gets one sentence, not five empty charts.
  const quiet = totalDays === 0 && failedDays === 0 && episodes === 0 && pauses === 0 && charts.hours.every((h) => h.queue === 0) && !charts.pausedNow;

  return (
    <section className="card space-y-5" data-testid="server-charts">
      <div>
        <h2>{t("stats.title")}</h2>
        <p className="text-sm text-slate-600">{t("stats.intro")}</p>
      </div>
      {quiet ? (
        <p className="text-sm text-slate-600" data-testid="charts-quiet">
          {t("stats.quiet", { days })}
        </p>
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <Figure
            id="hourly"
            title={t("stats.hourly.title")}
            summary={t("stats.hourly.summary", { total: total48, peak: n(peakHour.handedOver), time: hourLabel(peakHour.at) })}
            columns={[t("stats.hour"), t("stats.series.handedOver"), t("stats.series.recipients")]}
            rows={charts.hours.map((h) => [`${formatDate(new Date(h.at - (h.at % DAY)), locale)} ${hourLabel(h.at)}`, n(h.handedOver), n(h.recipients)])}
            t={t}
          >
            <StatsChart rows={hourRows} series={hourSeries} lines={hourLines} areas={areas} />
          </Figure>
          <Figure
            id="daily"
            title={t("stats.daily.title", { days })}
            summary={t("stats.daily.summary", {
              total: totalDays,
              days,
              peak: n(peakDay.handedOver),
              day: peakDay.day ? formatDate(peakDay.day, locale) : "–",
            })}
            columns={[t("stats.day"), t("stats.series.handedOver"), t("stats.series.recipients")]}
            rows={charts.days.map((d) => [formatDate(d.day, locale), n(d.handedOver), n(d.recipients)])}
            t={t}
          >
            <StatsChart
              rows={dayRows}
              series={[
                { key: "handedOver", label: t("stats.series.handedOver"), kind: "bar", colour: CHART_COLOURS.brand },
                ...(hasRecipientLimits ? [{ key: "recipients", label: t("stats.series.recipients"), kind: "line" as const, colour: CHART_COLOURS.slate }] : []),
              ]}
              lines={dayLines}
            />
          </Figure>
          <Figure
            id="queue"
            title={t("stats.queue.title")}
            summary={t("stats.queue.summary", { queue: charts.hours.at(-1)?.queue ?? 0, minutes: n(maxWait) })}
            columns={[t("stats.hour"), t("stats.series.queue"), t("stats.series.averageWait"), t("stats.series.maxWait")]}
            rows={charts.hours.map((h) => [hourLabel(h.at), n(h.queue), n(h.averageWaitMinutes), n(h.maxWaitMinutes)])}
            t={t}
          >
            <StatsChart
              rows={hourRows}
              series={[
                { key: "queue", label: t("stats.series.queue"), kind: "bar", colour: CHART_COLOURS.brandLight },
                { key: "averageWait", label: t("stats.series.averageWait"), kind: "line", colour: CHART_COLOURS.amber },
                { key: "maxWait", label: t("stats.series.maxWait"), kind: "line", colour: CHART_COLOURS.red },
              ]}
              areas={areas}
            />
          </Figure>
          <Figure
            id="deferrals"
            title={t("stats.deferrals.title", { days })}
            summary={t("stats.deferrals.summary", { episodes, pauses, days })}
            columns={[t("stats.day"), t("stats.series.episodes"), t("stats.series.pauses")]}
            rows={charts.days.map((d) => [formatDate(d.day, locale), n(d.episodes), n(d.pauses)])}
            t={t}
          >
            <StatsChart
              rows={dayRows}
              series={[
                { key: "episodes", label: t("stats.series.episodes"), kind: "bar", colour: CHART_COLOURS.amber },
                { key: "pauses", label: t("stats.series.pauses"), kind: "bar", colour: CHART_COLOURS.red },
              ]}
              height={160}
            />
          </Figure>
          <Figure
            id="outcome"
            title={t("stats.outcome.title", { days })}
            summary={t("stats.outcome.summary", { sent: totalDays, failed: failedDays, days })}
            columns={[t("stats.day"), t("stats.series.sent"), t("stats.series.failed")]}
            rows={charts.days.map((d) => [formatDate(d.day, locale), n(d.handedOver), n(d.failed)])}
            t={t}
          >
            <StatsChart
              rows={dayRows}
              series={[
                { key: "sent", label: t("stats.series.sent"), kind: "bar", colour: CHART_COLOURS.brand, stack: "outcome" },
                { key: "failed", label: t("stats.series.failed"), kind: "bar", colour: CHART_COLOURS.red, stack: "outcome" },
              ]}
              height={180}
            />
          </Figure>
        </div>
      )}
    </section>
  );
}
