import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { MessageTable } from "@/lib/logging/components/message-table.tsx";
import { listMessages } from "@/lib/logging/data.ts";

/** The platform's own delivery: ownership codes and templates on the default route. */
export default async function PlatformLoggingPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { before } = await searchParams;
  const cursor = before && /^\d{1,19}$/.test(before) ? BigInt(before) : undefined;
  const { messages, nextCursor } = await listMessages(db(), { serverId: null, before: cursor, details: user.permissions.has(Permission.LOG_DETAILS_VIEW) });
  const base = "/beheer/applicatieinstellingen/logging";
  return (
    <div className="space-y-4">
      <div>
        <h1>{t("logging.platformTitle")}</h1>
        <p className="mt-1 text-sm text-slate-600">{t("logging.intro", { days: config().LOG_RETENTION_DAYS })}</p>
      </div>
      <div className="card overflow-x-auto">
        <MessageTable messages={messages} t={t} locale={locale} />
      </div>
      <div className="flex gap-3">
        {cursor ? <Link href={base}>{t("common.previous")}</Link> : null}
        {nextCursor ? <Link href={`${base}?before=${nextCursor}`}>{t("common.next")}</Link> : null}
      </div>
    </div>
  );
}
