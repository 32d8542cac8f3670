import Link from "next/link";
import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { ActionButton } from "@/lib/ui/form.tsx";
import { cancelMessageAction, retryMessageAction } from "../actions.ts";
import type { loadMessage } from "../data.ts";
import { CANCELLABLE, canRetry } from "../mutations.ts";
import { errorText } from "@/lib/delivery/components/note-text.ts";
import { progressText, statusText } from "./message-table.tsx";
import { RecipientOutcomeTable } from "./recipient-outcomes.tsx";

type Message = NonNullable<Awaited<ReturnType<typeof loadMessage>>>;
type Tried = { host: string; port: number; ok: boolean; responseCode?: number; response?: string; error?: string; ms: number; tls?: TriedTls };
/** The TLS of a direct delivery try and the MTA-STS mode it was held to (lib/delivery/platform-transport.ts). */
type TriedTls = { version?: string; verified: boolean; verifyError?: string; policy: string; wouldFail?: string };

function tlsText(tls: TriedTls, t: Translate): string {
  const parts = [
    tls.version ? t("logging.tls.version", { version: tls.version }) : t("logging.tls.none"),
    ...(tls.version ? [tls.verified ? t("logging.tls.verified") : t("logging.tls.notVerified", { reason: tls.verifyError ?? "?" })] : []),
    ...(!tls.version && tls.verifyError ? [t("logging.tls.notVerified", { reason: tls.verifyError })] : []),
    t("logging.tls.policy", { mode: tls.policy }),
    ...(tls.wouldFail ? [t("logging.tls.wouldFail", { reason: tls.wouldFail })] : []),
  ];
  return parts.join(" · ");
}

/** One message in the Logging: where it stands, "Opnieuw proberen" / "Annuleren", each recipient and each attempt with the reply explained. */
export function MessageDetail({ message, canEdit, t, locale }: { message: Message; canEdit: boolean; t: Translate; locale: Locale }) {
  const back = message.serverId ? `/beheer/applicatieinstellingen/mailservers/${message.serverId}/logging` : "/beheer/applicatieinstellingen/logging";
  const retry = canEdit && canRetry(message);
  const cancel = canEdit && CANCELLABLE.includes(message.status);
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
          <dd className="col-span-2">{formatDateTime(message.createdAt, locale)}</dd>
          <dt className="text-slate-500">{t("logging.messageId")}</dt>
          <dd className="col-span-2 font-mono text-xs">{message.messageIdHeader}</dd>
          {message.nextAttemptAt && (message.status === "RETRYING" || message.status === "DEFERRED") ? (
            <>
              <dt className="text-slate-500">{t("logging.columns.status")}</dt>
              <dd className="col-span-2">{t("logging.nextAttempt", { at: formatDateTime(message.nextAttemptAt, locale) })}</dd>
            </>
          ) : null}
        </dl>
      </section>
      {retry || cancel ? (
        <div className="flex flex-wrap items-center gap-3">
          {retry ? (
            <ActionButton action={retryMessageAction} fields={{ messageId: message.id }} className="btn-secondary" formClassName="flex items-center gap-2">
              {t("logging.retry")}
            </ActionButton>
          ) : null}
          {cancel ? (
            <ActionButton action={cancelMessageAction} fields={{ messageId: message.id }} className="btn-danger" formClassName="flex items-center gap-2">
              {t("logging.cancel")}
            </ActionButton>
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
                {t("logging.attempt", { number: attempt.number })} · {formatDateTime(attempt.startedAt, locale)} ·{" "}
                {t(`logging.route.${attempt.route as "mx" | "smarthost" | "server"}`)}
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
                      {tried.tls ? (
                        <span className="block pl-4 text-slate-600" data-testid="attempt-tls">
                          {tlsText(tried.tls, t)}
                        </span>
                      ) : null}
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
                  {t("logging.error")}: {errorText(attempt.error, t, locale)}
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
