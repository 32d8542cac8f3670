import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { createTemplateAction } from "@/lib/templates/actions.ts";
import { TemplateForm } from "@/lib/templates/components/template-form.tsx";
import { DEFAULT_HTML_FRAME, DEFAULT_TEXT_FRAME } from "@/lib/templates/frames.ts";

export default async function NewTemplatePage() {
  await requirePagePermission(Permission.TEMPLATES_EDIT);
  const t = await getT();
  return (
    <div className="space-y-4">
      <Link href="/beheer/applicatieinstellingen/sjablonen" className="text-sm">
        ← {t("templates.title")}
      </Link>
      <h1>{t("templates.newTitle")}</h1>
      <div className="card">
        <TemplateForm
          action={createTemplateAction}
          initial={{ name: "", key: "", carries: "WERKGEVER", htmlFrame: DEFAULT_HTML_FRAME, textFrame: DEFAULT_TEXT_FRAME }}
          redirectOnCreate
        />
      </div>
    </div>
  );
}
