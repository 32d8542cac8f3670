import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { TemplateOverview } from "@/lib/templates/components/template-overview.tsx";
import { loadTemplate, loadTemplates } from "@/lib/templates/data.ts";

export default async function TemplatesPage({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const user = await requirePagePermission(Permission.TEMPLATES_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id } = await searchParams;
  const [templates, selected] = await Promise.all([loadTemplates(), id ? loadTemplate(id) : null]);
  return <TemplateOverview templates={templates} selected={selected} canEdit={user.permissions.has(Permission.TEMPLATES_EDIT)} t={t} locale={locale} />;
}
