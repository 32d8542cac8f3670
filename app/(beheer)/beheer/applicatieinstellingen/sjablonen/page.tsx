import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";

export default async function TemplatesPage() {
  await requirePagePermission(Permission.TEMPLATES_VIEW);
  const t = await getT();
  return (
    <div className="space-y-4">
      <h1>{t("templates.title")}</h1>
      <div className="card text-slate-600">{t("common.emptyPlaceholder", { feature: t("templates.title") })}</div>
    </div>
  );
}
