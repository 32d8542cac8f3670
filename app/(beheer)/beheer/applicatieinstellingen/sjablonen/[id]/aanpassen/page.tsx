import Link from "next/link";
import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { setTemplateRouteAction, updateTemplateAction } from "@/lib/templates/actions.ts";
import { RouteForm } from "@/lib/templates/components/route-form.tsx";
import { TemplateForm } from "@/lib/templates/components/template-form.tsx";
import { loadRouteOptions, loadTemplate } from "@/lib/templates/data.ts";

export default async function EditTemplatePage({ params }: { params: Promise<{ id: string }> }) {
  await requirePagePermission(Permission.TEMPLATES_EDIT);
  const t = await getT();
  const { id } = await params;
  const template = await loadTemplate(id);
  if (!template) notFound();
  const servers = await loadRouteOptions();
  return (
    <div className="space-y-4">
      <Link href={`/beheer/applicatieinstellingen/sjablonen?id=${template.id}`} className="text-sm">
        ← {template.name}
      </Link>
      <h1>{t("templates.editTitle", { name: template.name })}</h1>
      <section className="card space-y-3">
        <h2>{t("templates.route")}</h2>
        <RouteForm
          action={setTemplateRouteAction}
          templateId={template.id}
          medical={template.carries === "MEDISCH"}
          servers={servers}
          current={{ serverId: template.serverId, senderId: template.senderId }}
        />
      </section>
      <section className="card">
        <TemplateForm
          action={updateTemplateAction}
          initial={{
            id: template.id,
            name: template.name,
            key: template.key,
            carries: template.carries,
            htmlFrame: template.htmlFrame,
            textFrame: template.textFrame,
          }}
        />
      </section>
    </div>
  );
}
