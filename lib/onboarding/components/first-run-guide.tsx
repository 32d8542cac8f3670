import Link from "next/link";
import type { Translate } from "@/lib/i18n/translate.ts";
import type { FirstRunProgress } from "../data.ts";

const SERVERS = "/beheer/applicatieinstellingen/mailservers";

type Step = { id: "server" | "sender" | "template"; done: boolean; hint: string; action: { label: string; href: string } | null };

/**
 * "Zo ga je van start" on Mailserver beheer: the source article's three steps as a rail, each
 * done or with a link to do it. Once all three are done it folds into one line that opens again.
 */
export function FirstRunGuide({
  progress,
  canEditServers,
  canEditTemplates,
  t,
}: {
  progress: FirstRunProgress;
  canEditServers: boolean;
  canEditTemplates: boolean;
  t: Translate;
}) {
  const serverPage = progress.server.serverId ? `${SERVERS}/${progress.server.serverId}` : null;
  const pending = progress.sender.pending;
  const steps: Step[] = [
    {
      id: "server",
      done: progress.server.done,
      hint: serverPage ? t("firstRun.hints.serverUntested") : t("firstRun.hints.server"),
      action: !canEditServers
        ? null
        : serverPage
          ? { label: t("firstRun.actions.testServer"), href: `${serverPage}#verbinding-testen` }
          : { label: t("firstRun.actions.addServer"), href: `${SERVERS}/nieuw` },
    },
    {
      id: "sender",
      done: progress.sender.done,
      hint: t("firstRun.hints.sender"),
      action: !canEditServers
        ? null
        : pending
          ? { label: t("firstRun.actions.verifySender"), href: `${SERVERS}/${pending.serverId}/afzenders/${pending.id}` }
          : serverPage
            ? { label: t("firstRun.actions.addSender"), href: `${serverPage}#afzender-toevoegen` }
            : null,
    },
    {
      id: "template",
      done: progress.template.done,
      hint: t("firstRun.hints.template"),
      action: canEditTemplates && progress.sender.done ? { label: t("firstRun.actions.linkTemplate"), href: "/beheer/applicatieinstellingen/sjablonen" } : null,
    },
  ];
  const done = steps.filter((step) => step.done).length;
  // The first step not done is the one to take now; the others wait their turn.
  const current = steps.find((step) => !step.done)?.id;

  const rail = (
    <ol className="grid grid-cols-1 gap-3 md:grid-cols-3">
      {steps.map((step, index) => (
        <li
          key={step.id}
          data-step={step.id}
          data-done={step.done ? "true" : "false"}
          aria-current={step.id === current ? "step" : undefined}
          className={`rounded border p-3 text-sm ${step.done ? "border-brand-200 bg-brand-50" : step.id === current ? "border-brand-500 bg-white" : "border-slate-200 bg-white"}`}
        >
          <div className="flex items-start gap-2">
            <span
              aria-hidden="true"
              className={`flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-xs font-semibold ${step.done ? "bg-brand-700 text-white" : "border border-slate-400 text-slate-700"}`}
            >
              {step.done ? "✓" : index + 1}
            </span>
            <div className="min-w-0 space-y-1">
              <p className="font-medium">{t(`firstRun.steps.${step.id}`)}</p>
              <p className={step.done ? "text-brand-900" : "text-slate-600"}>{step.done ? t("firstRun.done") : step.hint}</p>
              {!step.done && step.action && step.id === current ? (
                <Link href={step.action.href} className="btn mt-1 inline-block no-underline hover:no-underline">
                  {step.action.label}
                </Link>
              ) : null}
              {!step.done && step.action && step.id !== current ? <Link href={step.action.href}>{step.action.label}</Link> : null}
            </div>
          </div>
        </li>
      ))}
    </ol>
  );

  if (done === steps.length) {
    return (
      <details className="card text-sm" data-testid="first-run" data-complete="true">
        <summary className="cursor-pointer">
          <span className="font-medium text-brand-900">✓ {t("firstRun.allDone")}</span> <span className="text-brand-700">{t("firstRun.show")}</span>
        </summary>
        <div className="mt-3">{rail}</div>
      </details>
    );
  }
  return (
    <section className="card space-y-3" data-testid="first-run" data-complete="false" aria-labelledby="first-run-title">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h2 id="first-run-title">{t("firstRun.title")}</h2>
          <p className="text-sm text-slate-600">{t("firstRun.intro")}</p>
        </div>
        <p className="text-sm text-slate-600">{t("firstRun.progress", { done })}</p>
      </div>
      {rail}
    </section>
  );
}
