import Link from "next/link";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import type { listMessages } from "../data.ts";

type Messages = Awaited<ReturnType<typeof listMessages>>["messages"];

const STATUS_STYLE: Record<string, string> = {
  SENT: "text-brand-700",
  FAILED: "text-red-700",
  RETRYING: "text-amber-800",
  DEFERRED: "text-amber-800",
};

export function MessageTable({ messages, t, locale }: { messages: Messages; t: Translate; locale: Locale }) {
  if (messages.length === 0) return <p className="text-slate-600">{t("logging.empty")}</p>;
  const format = (date: Date) => date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" });
  return (
    <table className="table" data-testid="message-log">
      <thead>
        <tr>
          <th>{t("logging.columns.time")}</th>
          <th>{t("logging.columns.kind")}</th>
          <th>{t("logging.columns.from")}</th>
          <th>{t("logging.columns.to")}</th>
          <th>{t("logging.columns.subject")}</th>
          <th>{t("logging.columns.status")}</th>
          <th className="text-right">{t("logging.columns.attempts")}</th>
          <th>{t("logging.columns.reply")}</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((message) => (
          <tr key={message.id}>
            <td className="whitespace-nowrap">
              <Link href={`/beheer/applicatieinstellingen/logging/${message.id}`}>{format(message.createdAt)}</Link>
            </td>
            <td className="text-xs">{t(`logging.kind.${message.kind}`)}</td>
            <td className="text-xs">{message.fromAddress}</td>
            <td className="text-xs">{message.recipients.join(", ")}</td>
            <td className="text-xs">{message.subject ?? <span className="text-slate-400">{t("logging.masked")}</span>}</td>
            <td className={STATUS_STYLE[message.status] ?? ""}>{t(`logging.status.${message.status}`)}</td>
            <td className="text-right">{message.attemptCount}</td>
            <td className="max-w-xs font-mono text-xs break-all">{message.lastResponse ?? message.lastError ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
