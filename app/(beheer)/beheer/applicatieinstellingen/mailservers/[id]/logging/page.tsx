import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { config } from "@/lib/config.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { LogView } from "@/lib/logging/components/log-view.tsx";
import { loadServer } from "@/lib/mailservers/data.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";

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
  const server = await loadServer(id);
  if (!server) notFound();
  const base = `/beheer/applicatieinstellingen/mailservers/${server.id}/logging`;
  return (
    <div className="space-y-4">
      <Link href={`/beheer/applicatieinstellingen/mailservers/${server.id}`} className="text-sm">
        ← {server.name}
      </Link>
      <PageHeader title={t("logging.serverTitle", { server: server.name })} intro={t("logging.intro", { days: config().LOG_RETENTION_DAYS })} />
      <LogView serverId={server.id} base={base} searchParams={await searchParams} user={user} t={t} locale={locale} />
    </div>
  );
}
