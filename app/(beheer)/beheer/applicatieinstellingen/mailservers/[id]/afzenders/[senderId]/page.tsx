import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { removeSenderAction, resendCodesAction, verifySenderAction } from "@/lib/senders/actions.ts";
import { ConfirmButton } from "@/lib/ui/confirm-button.tsx";
import { PreflightPanel } from "@/lib/senders/components/preflight-panel.tsx";
import { SenderStateBadge } from "@/lib/senders/components/sender-state-badge.tsx";
import { getSender } from "@/lib/senders/data.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { ActionForm, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";

export default async function SenderPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; senderId: string }>;
  searchParams: Promise<{ added?: string }>;
}) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id, senderId } = await params;
  const { added } = await searchParams;
  const sender = await getSender(db(), senderId);
  if (!sender || sender.serverId !== id) notFound();
  const canEdit = user.permissions.has(Permission.MAILSERVERS_EDIT);
  const format = (date: Date) => date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" });
  const canEnterCodes = canEdit && sender.round?.open && !sender.round.locked && sender.displayState !== "expired" && sender.displayState !== "verified";
  // What the server's reply means and what to do, from the one catalogue of SMTP replies.
  const explained = (id: string | null | undefined) => {
    const explanation = id ? explanationById(id) : undefined;
    if (!explanation) return null;
    return (
      <div className="mt-1 font-sans text-sm text-slate-700" data-testid="explanation">
        {explanation[locale]} {explanation.action ? <strong>{explanation.action[locale]}</strong> : null}
      </div>
    );
  };
  const mailLabel = { OWNERSHIP_CODE: t("senders.ownershipMail"), CONFIGURATION_CODE: t("senders.configurationMail") } as Record<string, string>;

  return (
    <div className="space-y-5">
      <Link href={`/beheer/applicatieinstellingen/mailservers/${sender.server.id}`} className="text-sm">
        ← {t("senders.back", { server: sender.server.name })}
      </Link>
      <div className="flex items-start justify-between gap-4">
        <div>
          <h1>{sender.displayName}</h1>
          <p className="text-sm text-slate-600">
            {sender.address} · <SenderStateBadge state={sender.displayState} t={t} />
          </p>
        </div>
        {canEdit ? (
          <ConfirmButton
            action={removeSenderAction}
            fields={{ senderId: sender.id }}
            label={t("senders.remove")}
            question={t("senders.removeConfirm", { address: sender.address })}
            then={`/beheer/applicatieinstellingen/mailservers/${sender.server.id}`}
          />
        ) : null}
      </div>
      {added ? (
        <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
          {t("senders.added", { address: sender.address })}
        </p>
      ) : null}

      <section className="card grid grid-cols-1 gap-3 text-sm md:grid-cols-2">
        <div>
          <p className="font-medium">{t("senders.ownership")}</p>
          <p className="text-slate-600">{sender.ownershipVerifiedAt ? t("senders.proven", { at: format(sender.ownershipVerifiedAt) }) : t("senders.notProven")}</p>
        </div>
        <div>
          <p className="font-medium">{t("senders.configuration")}</p>
          <p className="text-slate-600">
            {sender.configurationVerifiedAt ? t("senders.proven", { at: format(sender.configurationVerifiedAt) }) : t("senders.notProven")}
          </p>
        </div>
      </section>

      {canEnterCodes && sender.round ? (
        <section className="card space-y-3">
          <h2>{t("senders.verifyTitle")}</h2>
          <p className="text-sm text-slate-600">
            {sender.round.needsOwnershipCode ? t("senders.verifyIntro", { address: sender.address }) : t("senders.reverifyIntro", { address: sender.address })}{" "}
            {t("senders.validUntil", { at: format(sender.round.expiresAt) })}
          </p>
          <ActionForm action={verifySenderAction} className="space-y-3" testId="verify-form">
            <input type="hidden" name="senderId" value={sender.id} />
            <div className="grid max-w-xl grid-cols-1 gap-4 md:grid-cols-2">
              {sender.round.needsOwnershipCode ? (
                <>
                  <div>
                    <label htmlFor="code1">{t("senders.code1")}</label>
                    <input id="code1" name="code1" type="text" autoComplete="one-time-code" className="font-mono uppercase" maxLength={40} />
                  </div>
                  <div>
                    <label htmlFor="code2">{t("senders.code2")}</label>
                    <input id="code2" name="code2" type="text" autoComplete="off" className="font-mono uppercase" maxLength={40} />
                  </div>
                </>
              ) : (
                <div>
                  <label htmlFor="code1">{t("senders.codeOnly")}</label>
                  <input id="code1" name="code1" type="text" autoComplete="one-time-code" className="font-mono uppercase" maxLength={40} />
                </div>
              )}
            </div>
            <FormMessage />
            <SubmitButton>{t("senders.verifySubmit")}</SubmitButton>
          </ActionForm>
        </section>
      ) : null}

      {canEdit && sender.displayState !== "verified" ? (
        <ActionForm action={resendCodesAction} className="flex items-center gap-3" testId="resend-form">
          <input type="hidden" name="senderId" value={sender.id} />
          <SubmitButton className="btn-secondary">{t("senders.resend")}</SubmitButton>
          <FormMessage />
        </ActionForm>
      ) : null}

      <PreflightPanel
        senderId={sender.id}
        verdict={sender.preflightVerdict}
        checkedAt={sender.preflightCheckedAt}
        report={sender.preflightReport}
        canEdit={canEdit}
        t={t}
        locale={locale}
        format={format}
      />

      <section className="card space-y-3" data-testid="verification-mails">
        <div>
          <h2>{t("senders.mails")}</h2>
          <p className="text-sm text-slate-600">{t("senders.mailsIntro")}</p>
        </div>
        {sender.messages.length === 0 ? null : (
          <table className="table">
            <tbody>
              {sender.messages.map((message) => {
                const last = message.attempts[0];
                return (
                  <tr key={message.id} data-kind={message.kind}>
                    <td className="font-medium">{mailLabel[message.kind]}</td>
                    <td>{t(`logging.status.${message.status}`)}</td>
                    <td className="font-mono text-xs break-all">
                      {last?.dns ? <div className="text-slate-500">{last.dns}</div> : null}
                      {last?.response ?? last?.error ?? message.lastResponse ?? message.lastError ?? ""}
                      {explained(last?.explanationId)}
                    </td>
                    <td>
                      <Link href={`/beheer/applicatieinstellingen/logging/${message.id}`}>{t("senders.viewLog")}</Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
