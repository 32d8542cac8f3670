import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { cancelMessageAction, retryMessageAction } from "@/lib/logging/actions.ts";
import { progressText, statusText } from "@/lib/logging/components/message-table.tsx";
import { RecipientOutcomeTable } from "@/lib/logging/components/recipient-outcomes.tsx";
import { getMessage } from "@/lib/logging/data.ts";
import { CANCELLABLE, RETRYABLE } from "@/lib/logging/mutations.ts";
import { ActionForm, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";
import { explanationById } from "@/lib/smtp/replies.ts";

type Tried = { host: string; port: number; ok: boolean; responseCode?: number; response?: string; error?: string; ms: number };

export default async function MessagePage({ params }: { params: Promise<{ messageId: string }> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { messageId } = await params;
  const message = await getMessage(db(), messageId, user.permissions.has(Permission.LOG_DETAILS_VIEW));
  if (!message) notFound();
  const format = (date: Date) => date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" });
  const back = message.serverId ? `/beheer/applicatieinstellingen/mailservers/${message.serverId}/logging` : "/beheer/applicatieinstellingen/logging";
  return (
    <div className="space-y-5">
      <Link href={back} className="text-sm">
        ← {message.server ? t("logging.serverTitle", { server: message.server.name }) : t("logging.platformTitle")}
      </Link>
      <div>
        <h1>{message.subject ?? t(`logging.kind.${message.kind}`)}</h1>
        <p className="text-sm text-slate-600">
          {t(`logging.kind.${message.kind}`)}
          {message.template ? ` · ${message.template.name}` : ""} · <span data-testid="message-status">{statusText(message, t, locale)}</span>
          {message.progress ? <span data-testid="recipient-progress">: {progressText(message.progress, t, locale)}</span> : null}
          {message.possibleDuplicate ? <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">{t("logging.possibleDuplicate")}</span> : null}
        </p>
      </div>
      <section className="card text-sm">
        <dl className="grid grid-cols-3 gap-2">
          <dt className="text-slate-500">{t("logging.columns.from")}</dt>
          <dd className="col-span-2">
            {message.fromName} &lt;{message.fromAddress}&gt;
          </dd>
          <dt className="text-slate-500">{t("logging.columns.to")}</dt>
          <dd className="col-span-2">{message.recipients.join(", ")}</dd>
          <dt className="text-slate-500">{t("logging.columns.time")}</dt>
          <dd className="col-span-2">{format(message.createdAt)}</dd>
          <dt className="text-slate-500">{t("logging.messageId")}</dt>
          <dd className="col-span-2 font-mono text-xs">{message.messageIdHeader}</dd>
          {message.nextAttemptAt && (message.status === "RETRYING" || message.status === "DEFERRED") ? (
            <>
              <dt className="text-slate-500">{t("logging.columns.status")}</dt>
              <dd className="col-span-2">{t("logging.nextAttempt", { at: format(message.nextAttemptAt) })}</dd>
            </>
          ) : null}
        </dl>
      </section>
      {user.permissions.has(Permission.MAILSERVERS_EDIT) && (RETRYABLE.includes(message.status) || CANCELLABLE.includes(message.status)) ? (
        <div className="flex flex-wrap items-center gap-3">
          {RETRYABLE.includes(message.status) ? (
            <ActionForm action={retryMessageAction} className="flex items-center gap-2">
              <input type="hidden" name="messageId" value={message.id} />
              <SubmitButton className="btn-secondary">{t("logging.retry")}</SubmitButton>
              <FormMessage />
            </ActionForm>
          ) : null}
          {CANCELLABLE.includes(message.status) ? (
            <ActionForm action={cancelMessageAction} className="flex items-center gap-2">
              <input type="hidden" name="messageId" value={message.id} />
              <SubmitButton className="btn-danger">{t("logging.cancel")}</SubmitButton>
              <FormMessage />
            </ActionForm>
          ) : null}
        </div>
      ) : null}
      {message.recipientOutcomes ? <RecipientOutcomeTable recipients={message.recipientOutcomes} t={t} locale={locale} /> : null}
      <section className="card space-y-3">
        <h2>{t("logging.attempts")}</h2>
        {message.attempts.length === 0 ? <p className="text-sm text-slate-600">{t("logging.noAttempts")}</p> : null}
        {message.attempts.map((attempt) => {
          const explanation = attempt.explanationId ? explanationById(attempt.explanationId) : undefined;
          return (
            <div key={attempt.id.toString()} className="rounded border border-slate-200 p-3 text-sm" data-testid="attempt">
              <p className="font-medium">
                {t("logging.attempt", { number: attempt.number })} · {format(attempt.startedAt)} · {t(`logging.route.${attempt.route as "mx" | "smarthost" | "server"}`)}
              </p>
              {attempt.dns ? (
                <p className="mt-1 font-mono text-xs">
                  {t("logging.dns")}: {attempt.dns}
                </p>
              ) : null}
              {Array.isArray(attempt.tried) && attempt.tried.length > 0 ? (
                <ul className="mt-1 font-mono text-xs">
                  {(attempt.tried as Tried[]).map((tried, index) => (
                    <li key={index}>
                      {tried.ok ? "✓" : "✗"} {tried.host}:{tried.port} — {tried.response ?? tried.error ?? ""} ({tried.ms} ms)
                    </li>
                  ))}
                </ul>
              ) : null}
              {attempt.response ? (
                <p className="mt-1 font-mono text-xs">
                  {t("logging.response")}: {attempt.response}
                </p>
              ) : null}
              {attempt.error ? (
                <p className="mt-1 font-mono text-xs text-red-700">
                  {t("logging.error")}: {attempt.error}
                </p>
              ) : null}
              {explanation ? (
                <p className="mt-2 rounded bg-amber-50 p-2 text-amber-900">
                  {explanation[locale]} {explanation.action ? explanation.action[locale] : null}
                </p>
              ) : null}
            </div>
          );
        })}
      </section>
    </div>
  );
}
