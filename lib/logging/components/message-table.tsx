import Link from "next/link";
import { parseLimitLabel } from "@/lib/delivery/limiter.ts";
import { errorText } from "@/lib/delivery/components/note-text.ts";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import type { RecipientSummary } from "@/lib/delivery/recipients.ts";
import { formatDateTime, formatNumber, formatTime } from "@/lib/i18n/format.ts";
import { type Locale, type Translate } from "@/lib/i18n/translate.ts";
import { Table } from "@/lib/ui/table.tsx";
import type { listMessages } from "../data.ts";

type Messages = Awaited<ReturnType<typeof listMessages>>["messages"];

const STATUS_STYLE: Record<string, string> = {
  SENT: "text-brand-700",
  PARTIALLY_SENT: "text-orange-700",
  FAILED: "text-red-700",
  RETRYING: "text-amber-800",
  DEFERRED: "text-amber-800",
};

/** "Uitgesteld tot 14:05 — limiet 30 berichten per minuut bereikt", or the plain status. */
export function statusText(message: { status: string; nextAttemptAt: Date | null; deferredReason: string | null }, t: Translate, locale: Locale): string {
  if (message.status === "DEFERRED" && message.nextAttemptAt) {
    const time = formatTime(message.nextAttemptAt, locale);
    const limit = parseLimitLabel(message.deferredReason);
    return limit ? t("logging.deferredUntil", { time, limit: limitSentence(limit, t, locale) }) : t("logging.deferredByServer", { time });
  }
  return t(`logging.status.${message.status as "SENT"}`);
}

/** "5 van 12 afgeleverd, 7 wachten" (and ", 1 mislukt"): how far a message got per recipient. */
export function progressText(progress: RecipientSummary, t: Translate, locale: Locale): string {
  const number = (n: number) => formatNumber(n, locale);
  const parts = [t("logging.progress.delivered", { delivered: number(progress.delivered), total: number(progress.total) })];
  if (progress.waiting > 0) parts.push(t("logging.progress.waiting", { count: progress.waiting }));
  if (progress.failed > 0) parts.push(t("logging.progress.failed", { count: progress.failed }));
  return parts.join(", ");
}

export function MessageTable({ messages, t, locale }: { messages: Messages; t: Translate; locale: Locale }) {
  const columns = [
    t("logging.columns.time"),
    t("logging.columns.kind"),
    t("logging.columns.from"),
    t("logging.columns.to"),
    t("logging.columns.subject"),
    t("logging.columns.status"),
    { label: t("logging.columns.attempts"), className: "text-right" },
    t("logging.columns.reply"),
  ];
  return (
    <Table card testId="message-log" columns={columns} rows={messages} empty={t("logging.empty")}>
      {(message) => (
        <tr key={message.id} data-status={message.status}>
          <td className="whitespace-nowrap">
            <Link href={`/beheer/applicatieinstellingen/logging/${message.id}`}>{formatDateTime(message.createdAt, locale)}</Link>
          </td>
          <td className="text-xs">
            {t(`logging.kind.${message.kind}`)}
            {message.templateName ? <div className="text-slate-500">{message.templateName}</div> : null}
          </td>
          <td className="text-xs [overflow-wrap:anywhere]">{message.fromAddress}</td>
          <td className="text-xs [overflow-wrap:anywhere]">{message.recipients.join(", ")}</td>
          <td className="text-xs">{message.subject ?? <span className="text-slate-500">{t("logging.masked")}</span>}</td>
          <td className={`text-xs ${STATUS_STYLE[message.status] ?? ""}`}>
            {statusText(message, t, locale)}
            {message.progress ? <span data-testid="recipient-progress">: {progressText(message.progress, t, locale)}</span> : null}
            {message.possibleDuplicate ? <span className="ml-1 rounded bg-amber-100 px-1 text-amber-900">{t("logging.possibleDuplicate")}</span> : null}
          </td>
          <td className="text-right">{message.attemptCount}</td>
          {/* Wraps anywhere rather than widening the table: the full reply stays readable here, never cut off. */}
          <td className="max-w-xs min-w-40 font-mono text-xs [overflow-wrap:anywhere]">{message.lastResponse ?? errorText(message.lastError, t, locale)}</td>
        </tr>
      )}
    </Table>
  );
}
