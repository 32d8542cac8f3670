import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";

export default async function MailserversPage() {
  await requirePagePermission(Permission.MAILSERVERS_VIEW);
  const t = await getT();
  return (
    <div className="space-y-4">
      <h1>{t("mailservers.title")}</h1>
      <div className="card text-slate-600">{t("common.emptyPlaceholder", { feature: t("mailservers.title") })}</div>
    </div>
  );
}
