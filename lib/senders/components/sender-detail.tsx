import Link from "next/link";
import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { explanationById } from "@/lib/smtp/replies.ts";
import { ConfirmButton } from "@/lib/ui/confirm-button.tsx";
import { ActionButton, ActionForm, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";
import { Table } from "@/lib/ui/table.tsx";
import { removeSenderAction, resendCodesAction, verifySenderAction } from "../actions.ts";
import { errorText } from "@/lib/delivery/components/note-text.ts";
import type { loadSender } from "../data.ts";
import { PreflightPanel } from "./preflight-panel.tsx";
import { SenderStateBadge } from "./sender-state-badge.tsx";
import { LiveRefresh } from "@/lib/live/components/live-refresh.tsx";
import type { LiveState } from "@/lib/live/data.ts";
import { PageNotice } from "@/lib/ui/notice.tsx";
import type { NoticeCode } from "@/lib/ui/notice-codes.ts";

const POSTVAK = "/beheer/postvak";

type Sender = NonNullable<Awaited<ReturnType<typeof loadSender>>>;

/**
 * A sender's page: both proofs, the code form while codes can be entered (what verifySender
 * accepts, codeEntryRefusal), "Codes opnieuw versturen", the DMARC preflight, and how the two
 * verification mails were delivered.
 */
export function SenderDetail({
  sender,
  notice,
  live,
  trialMode,
  canEdit,
  canLinkTemplates,
  t,
  locale,
}: {
  sender: Sender;
  notice: NoticeCode | null;
  live: LiveState;
  trialMode: boolean;
  canEdit: boolean;
  canLinkTemplates: boolean;
  t: Translate;
  locale: Locale;
}) {
  const serverPage = `/beheer/applicatieinstellingen/mailservers/${sender.server.id}`;
  const senderPage = `${serverPage}/afzenders/${sender.id}`;
  return (
    <div className="space-y-5">
      <Link href={serverPage} className="text-sm">
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
            then={serverPage}
          />
        ) : null}
      </div>
      <SenderNotice notice={notice} sender={sender} closeHref={senderPage} canLinkTemplates={canLinkTemplates} t={t} />

      <section className="card grid grid-cols-1 gap-3 text-sm md:grid-cols-2">
        <div>
          <p className="font-medium">{t("senders.ownership")}</p>
          <p className="text-slate-600">
            {sender.ownershipVerifiedAt ? t("senders.proven", { at: formatDateTime(sender.ownershipVerifiedAt, locale) }) : t("senders.notProven")}
          </p>
        </div>
        <div>
          <p className="font-medium">{t("senders.configuration")}</p>
          <p className="text-slate-600">
            {sender.configurationVerifiedAt ? t("senders.proven", { at: formatDateTime(sender.configurationVerifiedAt, locale) }) : t("senders.notProven")}
          </p>
        </div>
      </section>

      {canEdit && sender.codeEntryRefusal === null && sender.round ? (
        <CodeForm sender={sender} round={sender.round} trialMode={trialMode} t={t} locale={locale} />
      ) : null}

      {canEdit && sender.displayState !== "verified" ? (
        <ActionButton action={resendCodesAction} fields={{ senderId: sender.id }} className="btn-secondary" testId="resend-form">
          {t("senders.resend")}
        </ActionButton>
      ) : null}

      <PreflightPanel
        senderId={sender.id}
        verdict={sender.preflightVerdict}
        checkedAt={sender.preflightCheckedAt}
        report={sender.preflightReport}
        canEdit={canEdit}
        t={t}
        locale={locale}
      />

      <VerificationMails messages={sender.messages} t={t} locale={locale} />
      <LiveRefresh source={{ sender: sender.id }} version={live.version} pending={live.pending} />
    </div>
  );
}

/**
 * What the last action left behind (`?melding=`), while it is still true: "codes onderweg" only
 * while codes can be entered, "geverifieerd" only for a verified sender, "geblokkeerd" only while
 * blocked. A stale or unknown code shows nothing.
 */
function SenderNotice({
  notice,
  sender,
  closeHref,
  canLinkTemplates,
  t,
}: {
  notice: NoticeCode | null;
  sender: Sender;
  closeHref: string;
  canLinkTemplates: boolean;
  t: Translate;
}) {
  const values = { address: sender.address, domain: sender.address.slice(sender.address.lastIndexOf("@") + 1) };
  switch (notice) {
    case "afzender-toegevoegd":
    case "afzender-proefmodus":
      if (sender.codeEntryRefusal !== null) return null;
      return (
        <PageNotice
          code={notice}
          values={values}
          next={notice === "afzender-proefmodus" ? [{ label: t("notices.openPostvak"), href: POSTVAK }] : []}
          closeHref={closeHref}
          t={t}
        />
      );
    case "afzender-geverifieerd":
      if (sender.displayState !== "verified") return null;
      return (
        <PageNotice
          code={notice}
          values={values}
          next={canLinkTemplates ? [{ label: t("notices.linkToTemplate"), href: "/beheer/applicatieinstellingen/sjablonen" }] : []}
          closeHref={closeHref}
          t={t}
        />
      );
    case "afzender-geblokkeerd":
      if (sender.displayState !== "blocked") return null;
      return <PageNotice code={notice} values={values} closeHref={closeHref} t={t} />;
    default:
      return null;
  }
}

/** Both codes on a first verification; only the configuration code when the ownership is already proven. */
function CodeForm({
  sender,
  round,
  trialMode,
  t,
  locale,
}: {
  sender: Sender;
  round: NonNullable<Sender["round"]>;
  trialMode: boolean;
  t: Translate;
  locale: Locale;
}) {
  return (
    <section className="card space-y-3">
      <h2>{t("senders.verifyTitle")}</h2>
      <p className="text-sm text-slate-600">
        {round.needsOwnershipCode ? t("senders.verifyIntro", { address: sender.address }) : t("senders.reverifyIntro", { address: sender.address })}{" "}
        {t("senders.validUntil", { at: formatDateTime(round.expiresAt, locale) })}
      </p>
      {trialMode ? (
        <p className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="trial-codes">
          {t("notices.trialCodes")}{" "}
          <Link href={POSTVAK} className="font-medium">
            {t("notices.openPostvak")}
          </Link>
        </p>
      ) : null}
      <ActionForm action={verifySenderAction} className="space-y-3" testId="verify-form">
        <input type="hidden" name="senderId" value={sender.id} />
        <div className="grid max-w-xl grid-cols-1 gap-4 md:grid-cols-2">
          {round.needsOwnershipCode ? (
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
  );
}

/** How the two verification mails were delivered, each explained from the one catalogue of SMTP replies. */
function VerificationMails({ messages, t, locale }: { messages: Sender["messages"]; t: Translate; locale: Locale }) {
  const mailLabel: Record<string, string> = { OWNERSHIP_CODE: t("senders.ownershipMail"), CONFIGURATION_CODE: t("senders.configurationMail") };
  return (
    <section className="card space-y-3" data-testid="verification-mails">
      <div>
        <h2>{t("senders.mails")}</h2>
        <p className="text-sm text-slate-600">{t("senders.mailsIntro")}</p>
      </div>
      <Table rows={messages} empty={null}>
        {(message) => {
          const last = message.attempts[0];
          const explanation = last?.explanationId ? explanationById(last.explanationId) : undefined;
          return (
            <tr key={message.id} data-kind={message.kind}>
              <td className="font-medium">{mailLabel[message.kind]}</td>
              <td>{t(`logging.status.${message.status}`)}</td>
              <td className="min-w-56 font-mono text-xs [overflow-wrap:anywhere]">
                {last?.dns ? <div className="text-slate-500">{last.dns}</div> : null}
                {last?.response ?? (last?.error ? errorText(last.error, t, locale) : null) ?? message.lastResponse ?? errorText(message.lastError, t, locale)}
                {explanation ? (
                  <div className="mt-1 font-sans text-sm text-slate-700" data-testid="explanation">
                    {explanation[locale]} {explanation.action ? <strong>{explanation.action[locale]}</strong> : null}
                  </div>
                ) : null}
              </td>
              <td>
                <Link href={`/beheer/applicatieinstellingen/logging/${message.id}`}>{t("senders.viewLog")}</Link>
              </td>
            </tr>
          );
        }}
      </Table>
    </section>
  );
}
