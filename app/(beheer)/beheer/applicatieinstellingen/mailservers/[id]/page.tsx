import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { UsagePanel } from "@/lib/delivery/components/usage-panel.tsx";
import { loadRecipientCapSuggestion, loadServerUsage } from "@/lib/delivery/data.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { RecipientCapSuggestionBox } from "@/lib/mailservers/components/recipient-cap-suggestion.tsx";
import { ServerHeader, ServerSettings, ServerTests } from "@/lib/mailservers/components/server-detail.tsx";
import { loadServer } from "@/lib/mailservers/data.ts";
import { SenderList } from "@/lib/senders/components/sender-list.tsx";
import { loadSenders } from "@/lib/senders/data.ts";
import { ServerChartsPanel } from "@/lib/stats/components/server-charts.tsx";
import { loadServerCharts } from "@/lib/stats/data.ts";
import { LiveRefresh } from "@/lib/live/components/live-refresh.tsx";
import { loadServerLiveState } from "@/lib/live/data.ts";
import { ServerNotice } from "@/lib/onboarding/components/server-notice.tsx";
import { noticeCode } from "@/lib/ui/notice-codes.ts";

export default async function ServerPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ melding?: string }> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id } = await params;
  const { melding } = await searchParams;
  const server = await loadServer(id);
  if (!server) notFound();
  const [senders, usage, recipientCap, live] = await Promise.all([
    loadSenders(server.id),
    loadServerUsage(server.id),
    loadRecipientCapSuggestion(server.id),
    loadServerLiveState(server.id),
  ]);
  const canEdit = user.permissions.has(Permission.MAILSERVERS_EDIT);
  const charts = await loadServerCharts(server.id);
  return (
    <div className="space-y-5">
      <ServerHeader server={server} paused={usage} saved={false} canEdit={canEdit} t={t} locale={locale} />
      <ServerNotice notice={noticeCode(melding)} server={server} senderCount={senders.length} canEdit={canEdit} t={t} />
      <ServerSettings server={server} t={t} locale={locale} />
      <section className="card space-y-3">
        <h2>{t("mailservers.usage.title")}</h2>
        <UsagePanel usage={usage} t={t} locale={locale} canEdit={canEdit} />
        <RecipientCapSuggestionBox serverId={server.id} suggestion={recipientCap} canEdit={canEdit} t={t} locale={locale} />
        {live ? <LiveRefresh source={{ server: server.id }} version={live.version} pending={live.pending} /> : null}
      </section>
      <ServerChartsPanel charts={charts} t={t} locale={locale} />
      <SenderList serverId={server.id} senders={senders} canEdit={canEdit} t={t} />
      <div id="verbinding-testen" className="scroll-mt-4">
        <ServerTests server={server} canEdit={canEdit} t={t} locale={locale} />
      </div>
    </div>
  );
}
