import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import { listServers } from "@/lib/mailservers/data.ts";
import { SERVER_TYPES } from "@/lib/mailservers/presets.ts";

export default async function MailserversPage() {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const servers = await listServers(db());
  return (
    <div className="space-y-4">
      <div className="flex items-start justify-between gap-4">
        <div>
          <h1>{t("mailservers.title")}</h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">{t("mailservers.intro")}</p>
        </div>
        {user.permissions.has(Permission.MAILSERVERS_EDIT) ? (
          <Link href="/beheer/applicatieinstellingen/mailservers/nieuw" className="btn no-underline hover:no-underline">
            {t("mailservers.newServer")}
          </Link>
        ) : null}
      </div>
      <div className="card overflow-x-auto">
        {servers.length === 0 ? (
          <p className="text-slate-600">{t("mailservers.empty")}</p>
        ) : (
          <table className="table" data-testid="server-list">
            <thead>
              <tr>
                <th>{t("mailservers.columns.name")}</th>
                <th>{t("mailservers.columns.type")}</th>
                <th>{t("mailservers.columns.host")}</th>
                <th>{t("mailservers.columns.managedBy")}</th>
                <th>{t("mailservers.columns.senders")}</th>
                <th>{t("mailservers.columns.limits")}</th>
                <th>{t("mailservers.columns.state")}</th>
              </tr>
            </thead>
            <tbody>
              {servers.map((server) => (
                <tr key={server.id}>
                  <td>
                    <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`}>{server.name}</Link>
                  </td>
                  <td>{SERVER_TYPES[server.type].label[locale]}</td>
                  <td className="font-mono text-xs">
                    {server.host}:{server.port}
                  </td>
                  <td>{t(`mailservers.managedByOptions.${server.managedBy}`)}</td>
                  <td className="text-right">{server._count.senders}</td>
                  <td className="text-xs">
                    {server.limits.map((limit) => (
                      <div key={`${limit.window}-${limit.windowSize}-${limit.unit}`}>{limitSentence(limit, t, locale)}</div>
                    ))}
                  </td>
                  <td>
                    {server.pausedAt ? (
                      <span className="text-red-700">{t("mailservers.state.paused")}</span>
                    ) : server.lastTestOk === null ? (
                      <span className="text-slate-500">{t("mailservers.state.untested")}</span>
                    ) : server.lastTestOk ? (
                      <span className="text-brand-700">{t("mailservers.state.ok")}</span>
                    ) : (
                      <span className="text-red-700">{t("mailservers.state.failed")}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
