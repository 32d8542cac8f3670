"use client";

import Link from "next/link";
import { useState } from "react";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { ActionForm, FieldError, FormMessage, SubmitButton, WarningCheckbox } from "@/lib/ui/form.tsx";

type Server = { id: string; name: string; managedBy: string; senders: { id: string; displayName: string; address: string }[] };
type Action = (previous: ActionResult | null, form: FormData) => Promise<ActionResult>;

/**
 * Email Server, then Afzender: only the verified senders of the chosen server. Without
 * JavaScript every server's senders are listed in groups and the server checks the pair.
 */
export function RouteForm({
  action,
  templateId,
  medical,
  servers,
  current,
}: {
  action: Action;
  templateId: string;
  medical: boolean;
  servers: Server[];
  current: { serverId: string | null; senderId: string | null };
}) {
  const t = useT();
  const [serverId, setServerId] = useState(current.serverId ?? "");
  const [senderId, setSenderId] = useState(current.senderId ?? "");
  const server = servers.find((s) => s.id === serverId);
  const needsConsent = medical && server !== undefined && server.managedBy !== "MEDISCHE_DIENST";

  return (
    <ActionForm action={action} className="space-y-4" testId="route-form">
      <input type="hidden" name="templateId" value={templateId} />
      <p className="text-sm text-slate-600">{t("templates.routeHint")}</p>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <div>
          <label htmlFor="serverId">{t("templates.emailServer")}</label>
          <select
            id="serverId"
            name="serverId"
            value={serverId}
            onChange={(event) => {
              setServerId(event.target.value);
              const next = servers.find((s) => s.id === event.target.value);
              setSenderId(next?.senders.length === 1 ? next.senders[0]!.id : "");
            }}
          >
            <option value="">{t("templates.platformDefault")}</option>
            {servers.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <FieldError name="serverId" />
        </div>
        <div>
          <label htmlFor="senderId">{t("templates.sender")}</label>
          <select id="senderId" name="senderId" value={senderId} onChange={(event) => setSenderId(event.target.value)} disabled={!server}>
            {server ? (
              <>
                <option value="">{t("templates.chooseSender")}</option>
                {server.senders.map((sender) => (
                  <option key={sender.id} value={sender.id}>
                    {sender.displayName} &lt;{sender.address}&gt;
                  </option>
                ))}
              </>
            ) : (
              <option value="">—</option>
            )}
          </select>
          {server && server.senders.length === 0 ? (
            <p className="mt-1 text-xs text-amber-800" data-testid="no-verified-senders">
              {t("templates.noVerifiedSenders")}{" "}
              <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}#afzender-toevoegen`} className="font-medium">
                {t("notices.addSender")}
              </Link>
            </p>
          ) : null}
          <FieldError name="senderId" />
        </div>
      </div>
      {needsConsent ? <WarningCheckbox name="fgConsent" warning={t("templates.fgConsentHint")} label={t("templates.fgConsent")} /> : null}
      <FormMessage />
      <SubmitButton>{t("templates.saveRoute")}</SubmitButton>
    </ActionForm>
  );
}
