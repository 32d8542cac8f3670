import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { UsagePanel } from "@/lib/delivery/components/usage-panel.tsx";
import { suggestRecipientCap } from "@/lib/delivery/data.ts";
import { serverUsage } from "@/lib/delivery/data.ts";
import { deleteServerAction, resumeServerAction, testServerAction } from "@/lib/mailservers/actions.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { ActionForm, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";
import { ConfirmButton } from "@/lib/ui/confirm-button.tsx";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import { ProbePanel } from "@/lib/mailservers/components/probe-panel.tsx";
import { ProbeResultView } from "@/lib/mailservers/components/probe-result.tsx";
import { RecipientCapSuggestionBox } from "@/lib/mailservers/components/recipient-cap-suggestion.tsx";
import { getServer } from "@/lib/mailservers/data.ts";
import { SERVER_TYPES } from "@/lib/mailservers/presets.ts";
import { addSenderAction } from "@/lib/senders/actions.ts";
import { AddSenderForm } from "@/lib/senders/components/add-sender-form.tsx";
import { PreflightBadge } from "@/lib/senders/components/preflight-badge.tsx";
import { SenderStateBadge } from "@/lib/senders/components/sender-state-badge.tsx";
import { listSenders } from "@/lib/senders/data.ts";

export default async function ServerPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ saved?: string }> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id } = await params;
  const { saved } = await searchParams;
  const server = await getServer(db(), id);
  if (!server) notFound();
  const [senders, usage, recipientCap] = await Promise.all([listSenders(db(), server.id), serverUsage(db(), server.id), suggestRecipientCap(db(), server.id)]);
  const pausedExplanation = usage.pausedReason ? explanationById(usage.pausedReason) : undefined;
  const canEdit = user.permissions.has(Permission.MAILSERVERS_EDIT);
  const dateFormat = (date: Date) => date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" });
  // Expiry dates are days (midnight UTC as stored), shown without a time.
  const dayFormat = (date: Date) => date.toLocaleDateString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "UTC", dateStyle: "long" });
  const expiry = server.oauthSecretExpiry;
  const row = (label: string, value: React.ReactNode) => (
    <div className="grid grid-cols-3 gap-2 py-1.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2">{value}</dd>
    </div>
  );
  return (
    <div className="space-y-5">
      <Link href="/beheer/applicatieinstellingen/mailservers" className="text-sm">
        ← {t("mailservers.back")}
      </Link>
      <div className="flex items-start justify-between gap-4">
        <div>
          <h1>{server.name}</h1>
          <p className="text-sm text-slate-600">{SERVER_TYPES[server.type].label[locale]}</p>
        </div>
        <div className="flex items-start gap-2">
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
      {usage.pausedAt ? (
        <div role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900" data-testid="paused-banner">
          <p>{t("mailservers.pausedBanner", { reason: pausedExplanation ? pausedExplanation[locale] : (usage.pausedReason ?? "") })}</p>
          {pausedExplanation?.action ? <p className="mt-1">{pausedExplanation.action[locale]}</p> : null}
          {canEdit ? (
            <ActionForm action={resumeServerAction} className="mt-2 flex items-center gap-3">
              <input type="hidden" name="id" value={server.id} />
              <SubmitButton className="btn-secondary">{t("mailservers.resume")}</SubmitButton>
              <FormMessage />
            </ActionForm>
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
            ? t("mailservers.oauth.expired", { date: dayFormat(expiry.expiresAt) })
            : expiry.days === 1
              ? t("mailservers.oauth.expiresInOneDay", { date: dayFormat(expiry.expiresAt) })
              : t("mailservers.oauth.expiresInDays", { days: expiry.days, date: dayFormat(expiry.expiresAt) })}
        </div>
      ) : null}
      {saved ? (
        <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
          {t("mailservers.saved", { name: server.name })}
        </p>
      ) : null}

      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <section className="card">
          <h2 className="mb-2">{t("mailservers.sections.connection")}</h2>
          <dl className="divide-y divide-slate-100" data-testid="server-settings">
            {row(t("mailservers.fields.host"), <span className="font-mono">{server.host}:{server.port}</span>)}
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
                {server.oauthSecretExpiresAt ? row(t("mailservers.fields.oauthSecretExpires"), dayFormat(server.oauthSecretExpiresAt)) : null}
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

      <section className="card space-y-3">
        <h2>{t("mailservers.usage.title")}</h2>
        <UsagePanel usage={usage} t={t} locale={locale} canEdit={canEdit} />
        <RecipientCapSuggestionBox serverId={server.id} suggestion={recipientCap} canEdit={canEdit} t={t} locale={locale} />
      </section>

      <section className="card space-y-3" data-testid="senders">
        <div>
          <h2>{t("senders.title")}</h2>
          <p className="text-sm text-slate-600">{t("senders.intro")}</p>
        </div>
        {senders.length === 0 ? (
          <p className="text-sm text-slate-600">{t("senders.empty")}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("senders.columns.name")}</th>
                <th>{t("senders.columns.address")}</th>
                <th>{t("senders.columns.state")}</th>
                <th>{t("senders.columns.preflight")}</th>
              </tr>
            </thead>
            <tbody>
              {senders.map((sender) => (
                <tr key={sender.id}>
                  <td>
                    <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}/afzenders/${sender.id}`}>{sender.displayName}</Link>
                  </td>
                  <td>{sender.address}</td>
                  <td>
                    <SenderStateBadge state={sender.displayState} t={t} />
                  </td>
                  <td>
                    <PreflightBadge verdict={sender.preflightVerdict} t={t} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canEdit ? (
          <details className="rounded border border-slate-200 p-3" open={senders.length === 0}>
            <summary className="cursor-pointer font-medium text-brand-700">{t("senders.add")}</summary>
            <div className="mt-3">
              <AddSenderForm serverId={server.id} action={addSenderAction} />
            </div>
          </details>
        ) : null}
      </section>

      <section className="card space-y-3">
        <h2>{t("mailservers.sections.lastTest")}</h2>
        {server.lastTestAt && server.lastTestResult ? (
          <>
            <p className="text-xs text-slate-500">{t("mailservers.probe.at", { at: dateFormat(server.lastTestAt) })}</p>
            <ProbeResultView result={server.lastTestResult} t={t} locale={locale} />
          </>
        ) : (
          <p className="text-sm text-slate-600">{t("mailservers.probe.never")}</p>
        )}
      </section>

      {canEdit ? (
        <section className="card space-y-3">
          <h2>{t("mailservers.probe.title")}</h2>
          <p className="text-sm text-slate-600">{t("mailservers.probe.intro")}</p>
          <ProbePanel serverId={server.id} action={testServerAction} defaultMailFrom={server.username?.includes("@") ? server.username : ""} />
        </section>
      ) : null}
    </div>
  );
}
