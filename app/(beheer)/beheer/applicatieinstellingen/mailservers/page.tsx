import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { limitSentence } from "@/lib/mailservers/components/limit-text.ts";
import { loadServers } from "@/lib/mailservers/data.ts";
import { SERVER_TYPES } from "@/lib/mailservers/presets.ts";
import { FirstRunGuide } from "@/lib/onboarding/components/first-run-guide.tsx";
import { loadFirstRunProgress } from "@/lib/onboarding/data.ts";
import { ServerSparkline } from "@/lib/stats/components/server-sparkline.tsx";
import { loadServerSparklines } from "@/lib/stats/data.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { Table } from "@/lib/ui/table.tsx";

export default async function MailserversPage() {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const [servers, firstRun] = await Promise.all([loadServers(), loadFirstRunProgress()]);
  const sparklines = await loadServerSparklines(servers.map((server) => server.id));
  return (
    <div className="space-y-4">
      <PageHeader title={t("mailservers.title")} intro={t("mailservers.intro")}>
        {user.permissions.has(Permission.MAILSERVERS_EDIT) ? (
          <Link href="/beheer/applicatieinstellingen/mailservers/nieuw" className="btn no-underline hover:no-underline">
            {t("mailservers.newServer")}
          </Link>
        ) : null}
      </PageHeader>
      <FirstRunGuide
        progress={firstRun}
        canEditServers={user.permissions.has(Permission.MAILSERVERS_EDIT)}
        canEditTemplates={user.permissions.has(Permission.TEMPLATES_EDIT)}
        t={t}
      />
      <Table
        card
        testId="server-list"
        columns={(["name", "type", "host", "managedBy", "senders", "limits", "state"] as const).map((column) => t(`mailservers.columns.${column}`))}
        rows={servers}
        empty={t("mailservers.empty")}
      >
        {(server) => (
          <tr key={server.id}>
            <td>
              <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`}>{server.name}</Link>
              <ServerSparkline values={sparklines[server.id] ?? []} t={t} />
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
        )}
      </Table>
    </div>
  );
}
