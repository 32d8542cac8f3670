import Link from "next/link";
import type { ReactNode } from "react";
import { formatDate, formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { ConfirmButton } from "@/lib/ui/confirm-button.tsx";
import { ActionButton } from "@/lib/ui/form.tsx";
import { deleteServerAction, resumeServerAction, testServerAction } from "../actions.ts";
import type { ServerView } from "../data.ts";
import { SERVER_TYPES } from "../presets.ts";
import { limitSentence } from "./limit-text.ts";
import { ProbePanel } from "./probe-panel.tsx";
import { ProbeResultView } from "./probe-result.tsx";

/**
 * The top of a server's page: name and type, Logging / edit / delete, and the banners — paused
 * (with what the reply means and "Hervatten"), the OAuth2 secret about to expire, just saved.
 */
export function ServerHeader({
  server,
  paused,
  saved,
  canEdit,
  t,
  locale,
}: {
  server: ServerView;
  /** From the server's usage: when and why delivery paused, or pausedAt null. */
  paused: { pausedAt: Date | null; pausedReason: string | null };
  saved: boolean;
  canEdit: boolean;
  t: Translate;
  locale: Locale;
}) {
  const pausedExplanation = paused.pausedReason ? explanationById(paused.pausedReason) : undefined;
  const expiry = server.oauthSecretExpiry;
  // Expiry dates are days (midnight UTC as stored), shown without a time.
  const day = (date: Date) => formatDate(date, locale, "long");
  return (
    <>
      <Link href="/beheer/applicatieinstellingen/mailservers" className="text-sm">
        ← {t("mailservers.back")}
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1>{server.name}</h1>
          <p className="text-sm text-slate-600">{SERVER_TYPES[server.type].label[locale]}</p>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}/logging`} className="btn-secondary no-underline hover:no-underline">
            {t("logging.title")}
          </Link>
          {canEdit ? (
            <div className="flex items-start gap-2">
              <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}/aanpassen`} className="btn-secondary no-underline hover:no-underline">
                {t("mailservers.edit")}
              </Link>
              <ConfirmButton
                action={deleteServerAction}
                fields={{ id: server.id }}
                label={t("mailservers.delete")}
                question={t("mailservers.deleteConfirm", { name: server.name })}
                then="/beheer/applicatieinstellingen/mailservers"
              />
            </div>
          ) : null}
        </div>
      </div>
      {paused.pausedAt ? (
        <div role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900" data-testid="paused-banner">
          <p>{t("mailservers.pausedBanner", { reason: pausedExplanation ? pausedExplanation[locale] : (paused.pausedReason ?? "") })}</p>
          {pausedExplanation?.action ? <p className="mt-1">{pausedExplanation.action[locale]}</p> : null}
          {canEdit ? (
            <ActionButton action={resumeServerAction} fields={{ id: server.id }} className="btn-secondary" formClassName="mt-2 flex items-center gap-3">
              {t("mailservers.resume")}
            </ActionButton>
          ) : null}
        </div>
      ) : null}
      {expiry ? (
        <div
          role="alert"
          data-testid="oauth-secret-expiry"
          className={`rounded border p-3 text-sm ${expiry.state === "expired" ? "border-red-300 bg-red-50 text-red-900" : "border-amber-300 bg-amber-50 text-amber-900"}`}
        >
          {expiry.state === "expired"
            ? t("mailservers.oauth.expired", { date: day(expiry.expiresAt) })
            : expiry.days === 1
              ? t("mailservers.oauth.expiresInOneDay", { date: day(expiry.expiresAt) })
              : t("mailservers.oauth.expiresInDays", { days: expiry.days, date: day(expiry.expiresAt) })}
        </div>
      ) : null}
      {saved ? (
        <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
          {t("mailservers.saved", { name: server.name })}
        </p>
      ) : null}
    </>
  );
}

/** Connection and authentication as stored (never a secret, only whether one is stored), and the limits. */
export function ServerSettings({ server, t, locale }: { server: ServerView; t: Translate; locale: Locale }) {
  const row = (label: string, value: ReactNode) => (
    <div className="grid grid-cols-3 gap-2 py-1.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2">{value}</dd>
    </div>
  );
  return (
    <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
      <section className="card">
        <h2 className="mb-2">{t("mailservers.sections.connection")}</h2>
        <dl className="divide-y divide-slate-100" data-testid="server-settings">
          {row(
            t("mailservers.fields.host"),
            <span className="font-mono">
              {server.host}:{server.port}
            </span>,
          )}
          {server.region ? row(t("mailservers.fields.region"), server.region) : null}
          {row(t("mailservers.fields.tlsMode"), t(`mailservers.tls.${server.tlsMode}`))}
          {row(t("mailservers.fields.verifyCertificate"), server.verifyCertificate ? t("common.yes") : t("common.no"))}
          {row(t("mailservers.fields.authMethod"), t(`mailservers.auth.${server.authMethod}`))}
          {server.username ? row(t("mailservers.fields.username"), server.username) : null}
          {server.authMethod === "PASSWORD"
            ? row(t("mailservers.fields.password"), server.passwordStored ? t("mailservers.fields.passwordStored") : t("common.none"))
            : null}
          {server.authMethod === "OAUTH2" && server.type === "MICROSOFT_365" ? (
            <>
              {row(t("mailservers.fields.oauthTenantId"), <span className="font-mono">{server.oauthTenantId}</span>)}
              {row(t("mailservers.fields.oauthClientId"), <span className="font-mono">{server.oauthClientId}</span>)}
              {row(t("mailservers.fields.oauthClientSecret"), server.oauthSecretStored ? t("mailservers.fields.oauthSecretStored") : t("common.none"))}
              {server.oauthSecretExpiresAt ? row(t("mailservers.fields.oauthSecretExpires"), formatDate(server.oauthSecretExpiresAt, locale, "long")) : null}
            </>
          ) : null}
          {server.authMethod === "OAUTH2" && server.type === "GOOGLE_WORKSPACE" ? (
            <>
              {row(t("mailservers.fields.oauthServiceAccount"), server.oauthClientId)}
              {row(t("mailservers.fields.oauthServiceAccountKey"), server.oauthSecretStored ? t("mailservers.fields.oauthKeyStored") : t("common.none"))}
            </>
          ) : null}
          {server.heloName ? row(t("mailservers.fields.heloName"), server.heloName) : null}
          {row(t("mailservers.fields.managedBy"), t(`mailservers.managedByOptions.${server.managedBy}`))}
          {row(t("mailservers.usage.connections"), server.maxConnections)}
        </dl>
      </section>
      <section className="card">
        <h2 className="mb-2">{t("mailservers.sections.limits")}</h2>
        {server.limits.length === 0 && !server.maxRecipientsPerMessage ? (
          <p className="text-sm text-slate-600">{t("mailservers.limits.none")}</p>
        ) : (
          <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="server-limits">
            {server.limits.map((limit) => (
              <li key={`${limit.window}-${limit.unit}`}>{limitSentence(limit, t, locale)}</li>
            ))}
            {server.maxRecipientsPerMessage ? <li>{t("mailservers.limits.maxRecipients", { count: server.maxRecipientsPerMessage })}</li> : null}
          </ul>
        )}
      </section>
    </div>
  );
}

/**
 * The connection test in one card: the last result (shown once; running a test revalidates this
 * page, so a new result replaces it here) and, for those who may edit, the form to run one now.
 */
export function ServerTests({ server, canEdit, t, locale }: { server: ServerView; canEdit: boolean; t: Translate; locale: Locale }) {
  return (
    <section className="card space-y-3" data-testid="server-tests">
      <h2>{t("mailservers.sections.lastTest")}</h2>
      {server.lastTestAt && server.lastTestResult ? (
        <>
          <p className="text-xs text-slate-600">{t("mailservers.probe.at", { at: formatDateTime(server.lastTestAt, locale) })}</p>
          <ProbeResultView result={server.lastTestResult} t={t} locale={locale} />
        </>
      ) : (
        <p className="text-sm text-slate-600">{t("mailservers.probe.never")}</p>
      )}
      {canEdit ? (
        <div className="space-y-3 border-t border-slate-100 pt-3">
          <h3 className="font-medium">{t("mailservers.probe.title")}</h3>
          <p className="text-sm text-slate-600">{t("mailservers.probe.intro")}</p>
          <ProbePanel serverId={server.id} action={testServerAction} defaultMailFrom={server.username?.includes("@") ? server.username : ""} />
        </div>
      ) : null}
    </section>
  );
}
