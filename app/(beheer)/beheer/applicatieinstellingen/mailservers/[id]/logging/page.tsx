import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { LogView } from "@/lib/logging/components/log-view.tsx";
import { getServer } from "@/lib/mailservers/data.ts";

export default async function ServerLoggingPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id } = await params;
  const server = await getServer(db(), id);
  if (!server) notFound();
  const base = `/beheer/applicatieinstellingen/mailservers/${server.id}/logging`;
  return (
    <div className="space-y-4">
      <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`} className="text-sm">
        ← {server.name}
      </Link>
      <div>
        <h1>{t("logging.serverTitle", { server: server.name })}</h1>
        <p className="mt-1 text-sm text-slate-600">{t("logging.intro", { days: config().LOG_RETENTION_DAYS })}</p>
      </div>
      <LogView serverId={server.id} base={base} searchParams={await searchParams} user={user} t={t} locale={locale} />
    </div>
  );
}
