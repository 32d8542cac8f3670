import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { ProbeResult } from "../probe.ts";

/** Each step of a connection test with the server's reply, its duration and, on failure, what to do. */
export function ProbeResultView({ result, t, locale }: { result: ProbeResult; t: Translate; locale: Locale }) {
  const failed = result.steps.find((step) => !step.ok);
  return (
    <div className="space-y-3" data-testid="probe-result">
      <p className={`rounded p-2 text-sm ${result.ok ? "bg-brand-50 text-brand-900" : "bg-red-50 text-red-800"}`} role="status">
        {result.ok ? t("mailservers.probe.ok") : t("mailservers.probe.failed", { step: t(`mailservers.probe.steps.${result.failedStep ?? "connect"}`) })}
      </p>
      {failed?.explanation ? (
        <div className="rounded border border-red-200 bg-white p-3 text-sm" data-testid="probe-explanation">
          <p>{failed.explanation[locale]}</p>
          {failed.explanation.action ? (
            <p className="mt-1">
              <strong>{t("mailservers.probe.whatToDo")}</strong> {failed.explanation.action[locale]}
            </p>
          ) : null}
        </div>
      ) : null}
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
            <tr key={`${step.step}-${index}`} data-step={step.step} data-ok={step.ok}>
              <td className="whitespace-nowrap">
                <span className={step.ok ? "text-brand-700" : "text-red-700"}>{step.ok ? "✓" : "✗"}</span> {t(`mailservers.probe.steps.${step.step}`)}
              </td>
              <td className="font-mono text-xs break-all whitespace-pre-wrap">
                {step.sent ? <div className="text-slate-500">→ {step.sent}</div> : null}
                {step.reply ? <div>← {step.reply}</div> : null}
                {step.detail ? <div className="text-slate-500">{step.detail}</div> : null}
              </td>
              <td className="text-right whitespace-nowrap">{step.ms} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
