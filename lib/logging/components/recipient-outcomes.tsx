import { type Locale, type Translate } from "@/lib/i18n/translate.ts";
import { Table } from "@/lib/ui/table.tsx";
import { formatDateTime, formatNumber } from "@/lib/i18n/format.ts";
import type { getMessage } from "../data.ts";

type Recipients = NonNullable<NonNullable<Awaited<ReturnType<typeof getMessage>>>["recipientOutcomes"]>;

const STATE_STYLE = { DELIVERED: "text-brand-700", WAITING: "text-amber-800", FAILED: "text-red-700" } as const;

/** The message detail's "Per ontvanger": what the server answered each recipient (addresses masked as getMessage decided). */
export function RecipientOutcomeTable({ recipients, t, locale }: { recipients: Recipients; t: Translate; locale: Locale }) {
  const number = (n: number) => formatNumber(n, locale);
  const count = (state: keyof typeof STATE_STYLE) => recipients.filter((r) => r.state === state).length;
  const [delivered, waiting, failed] = [count("DELIVERED"), count("WAITING"), count("FAILED")];
  const parts = [
    delivered > 0 ? t("logging.progress.deliveredCount", { count: number(delivered) }) : null,
    waiting > 0 ? t("logging.progress.waiting", { count: waiting }) : null,
    failed > 0 ? t("logging.progress.failed", { count: failed }) : null,
  ].filter((part) => part !== null);
  return (
    <section className="card space-y-3" data-testid="recipient-outcomes">
      <div>
        <h2>{t("logging.recipients.title")}</h2>
        <p className="text-sm text-slate-600">
          {t("logging.recipients.count", { count: recipients.length })}: {parts.join(", ")}
        </p>
      </div>
      <Table columns={(["address", "state", "code", "reply", "time"] as const).map((column) => t(`logging.recipients.columns.${column}`))} rows={recipients}>
        {(recipient, index) => (
          <tr key={index} data-state={recipient.state}>
            <td className="text-xs">{recipient.address}</td>
            <td className={`text-xs ${STATE_STYLE[recipient.state]}`}>{t(`logging.recipients.state.${recipient.state}`)}</td>
            <td className="font-mono text-xs">{recipient.code ?? ""}</td>
            <td className="max-w-md font-mono text-xs break-all">{recipient.reply ?? ""}</td>
            <td className="text-xs whitespace-nowrap">{recipient.at ? formatDateTime(recipient.at, locale) : ""}</td>
          </tr>
        )}
      </Table>
    </section>
  );
}
