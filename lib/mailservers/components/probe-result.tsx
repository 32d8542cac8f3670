import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { ProbeResult } from "../probe.ts";
import { summarizeProbe } from "../probe-summary.ts";

const TONE = {
  ok: "border-brand-200 bg-brand-50 text-brand-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-red-200 bg-red-50 text-red-900",
} as const;

/**
 * A connection test: what happened and what to do in plain words, each step with ✓ or ✗, and —
 * folded under "Technische details" — what was sent, the server's replies and the raw error
 * text (which comes from the resolver, the socket or the server, in their words).
 */
export function ProbeResultView({ result, t, locale }: { result: ProbeResult; t: Translate; locale: Locale }) {
  const summary = summarizeProbe(result, t, locale);
  return (
    <div className="space-y-3" data-testid="probe-result" data-tone={summary.tone}>
      <div className={`rounded border p-3 text-sm ${TONE[summary.tone]}`} role="status" data-testid="probe-summary">
        <p className="font-medium">{summary.headline}</p>
        {summary.cause ? <p className="mt-1">{summary.cause}</p> : null}
        {summary.action ? (
          <p className="mt-1" data-testid="probe-action">
            <strong>{t("mailservers.probe.whatToDo")}</strong> {summary.action}
          </p>
        ) : null}
        {summary.note ? <p className="mt-1">{summary.note}</p> : null}
      </div>
      <ol className="flex flex-wrap gap-x-4 gap-y-1 text-sm" aria-label={t("mailservers.probe.step")}>
        {result.steps.map((step, index) => (
          <li key={`${step.step}-${index}`} data-step={step.step} data-ok={step.ok}>
            <span className={step.ok ? "text-brand-700" : "text-red-700"} aria-hidden="true">
              {step.ok ? "✓" : "✗"}
            </span>{" "}
            {t(`mailservers.probe.steps.${step.step}`)}
          </li>
        ))}
      </ol>
      <details className="rounded border border-slate-200 bg-white text-sm" data-testid="probe-details">
        <summary className="cursor-pointer px-3 py-2 text-slate-700">{t("mailservers.probe.technicalDetails")}</summary>
        <div className="overflow-x-auto px-3 pb-3">
          <table className="table">
            <thead>
              <tr>
                <th>{t("mailservers.probe.step")}</th>
                <th>{t("mailservers.probe.reply")}</th>
                <th className="text-right">{t("mailservers.probe.duration")}</th>
              </tr>
            </thead>
            <tbody>
              {result.steps.map((step, index) => (
                <tr key={`${step.step}-${index}`} data-detail-step={step.step}>
                  <td className="whitespace-nowrap">{t(`mailservers.probe.steps.${step.step}`)}</td>
                  <td className="font-mono text-xs break-all whitespace-pre-wrap">
                    {step.sent ? <div className="text-slate-600">→ {step.sent}</div> : null}
                    {step.reply ? <div>← {step.reply}</div> : null}
                    {step.detail ? <div className="text-slate-600">{step.detail}</div> : null}
                  </td>
                  <td className="text-right whitespace-nowrap">{step.ms} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
