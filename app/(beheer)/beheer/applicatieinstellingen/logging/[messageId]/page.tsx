import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { MessageDetail } from "@/lib/logging/components/message-detail.tsx";
import { loadMessage } from "@/lib/logging/data.ts";

export default async function MessagePage({ params }: { params: Promise<{ messageId: string }> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { messageId } = await params;
  const message = await loadMessage(messageId, user.permissions.has(Permission.LOG_DETAILS_VIEW));
  if (!message) notFound();
  return <MessageDetail message={message} canEdit={user.permissions.has(Permission.MAILSERVERS_EDIT)} t={t} locale={locale} />;
}
