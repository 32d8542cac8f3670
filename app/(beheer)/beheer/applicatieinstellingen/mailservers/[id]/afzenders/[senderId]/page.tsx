import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { SenderDetail } from "@/lib/senders/components/sender-detail.tsx";
import { loadSender } from "@/lib/senders/data.ts";

export default async function SenderPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; senderId: string }>;
  searchParams: Promise<{ added?: string }>;
}) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id, senderId } = await params;
  const { added } = await searchParams;
  const sender = await loadSender(senderId);
  if (!sender || sender.serverId !== id) notFound();
  return <SenderDetail sender={sender} added={Boolean(added)} canEdit={user.permissions.has(Permission.MAILSERVERS_EDIT)} t={t} locale={locale} />;
}
