import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { loadSenderLiveState } from "@/lib/live/data.ts";
import { mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";
import { SenderDetail } from "@/lib/senders/components/sender-detail.tsx";
import { loadSender } from "@/lib/senders/data.ts";
import { noticeCode } from "@/lib/ui/notice-codes.ts";

export default async function SenderPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; senderId: string }>;
  searchParams: Promise<{ melding?: string }>;
}) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id, senderId } = await params;
  const { melding } = await searchParams;
  const [sender, live] = await Promise.all([loadSender(senderId), loadSenderLiveState(senderId)]);
  if (!sender || sender.serverId !== id || !live) notFound();
  return (
    <SenderDetail
      sender={sender}
      notice={noticeCode(melding)}
      live={live}
      trialMode={mailCatcherEnabled()}
      canEdit={user.permissions.has(Permission.MAILSERVERS_EDIT)}
      canLinkTemplates={user.permissions.has(Permission.TEMPLATES_EDIT)}
      t={t}
      locale={locale}
    />
  );
}
