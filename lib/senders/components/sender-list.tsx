import Link from "next/link";
import type { Translate } from "@/lib/i18n/translate.ts";
import { Table } from "@/lib/ui/table.tsx";
import { addSenderAction } from "../actions.ts";
import type { loadSenders } from "../data.ts";
import { AddSenderForm } from "./add-sender-form.tsx";
import { PreflightBadge } from "./preflight-badge.tsx";
import { SenderStateBadge } from "./sender-state-badge.tsx";

type Senders = Awaited<ReturnType<typeof loadSenders>>;

/** A server's "Afzenders": state and DMARC verdict of each, and "+ Afzender toevoegen" (open while there are none). */
export function SenderList({ serverId, senders, canEdit, t }: { serverId: string; senders: Senders; canEdit: boolean; t: Translate }) {
  return (
    <section className="card space-y-3" data-testid="senders">
      <div>
        <h2>{t("senders.title")}</h2>
        <p className="text-sm text-slate-600">{t("senders.intro")}</p>
      </div>
      <Table
        columns={[t("senders.columns.name"), t("senders.columns.address"), t("senders.columns.state"), t("senders.columns.preflight")]}
        rows={senders}
        empty={t("senders.empty")}
      >
        {(sender) => (
          <tr key={sender.id}>
            <td>
              <Link href={`/beheer/applicatieinstellingen/mailservers/${serverId}/afzenders/${sender.id}`}>{sender.displayName}</Link>
            </td>
            <td>{sender.address}</td>
            <td>
              <SenderStateBadge state={sender.displayState} t={t} />
            </td>
            <td>
              <PreflightBadge verdict={sender.preflightVerdict} t={t} />
            </td>
          </tr>
        )}
      </Table>
      {canEdit ? (
        <details id="afzender-toevoegen" className="rounded border border-slate-200 p-3" open={senders.length === 0}>
          <summary className="cursor-pointer font-medium text-brand-700">{t("senders.add")}</summary>
          <div className="mt-3">
            <AddSenderForm serverId={serverId} action={addSenderAction} />
          </div>
        </details>
      ) : null}
    </section>
  );
}
