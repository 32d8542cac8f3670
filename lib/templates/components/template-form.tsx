"use client";

import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { ActionForm, FieldError, FormMessage, RedirectOnSuccess, SubmitButton, TextField } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ id: string }> | null, form: FormData) => Promise<ActionResult<{ id: string }>>;
type Values = { id?: string; name: string; key: string; carries: "WERKGEVER" | "MEDISCH"; htmlFrame: string; textFrame: string };

export function TemplateForm({ action, initial, redirectOnCreate }: { action: Action; initial: Values; redirectOnCreate?: boolean }) {
  const t = useT();
  return (
    <ActionForm action={action} className="space-y-4" testId="template-form">
      {redirectOnCreate ? <RedirectOnSuccess<{ id: string }> to={(created) => `/beheer/applicatieinstellingen/sjablonen?id=${created.id}`} /> : null}
      {initial.id ? <input type="hidden" name="id" value={initial.id} /> : null}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <TextField name="name" id="tpl-name" label={t("templates.name")} input={{ defaultValue: initial.name }} />
        <TextField
          name="key"
          id="tpl-key"
          label={t("templates.key")}
          hint={t("templates.keyHint")}
          input={{ defaultValue: initial.key, className: "font-mono" }}
        />
        <div>
          <label htmlFor="tpl-carries">{t("templates.carries")}</label>
          <select id="tpl-carries" name="carries" defaultValue={initial.carries}>
            <option value="WERKGEVER">{t("templates.carriesOptions.WERKGEVER")}</option>
            <option value="MEDISCH">{t("templates.carriesOptions.MEDISCH")}</option>
          </select>
          <FieldError name="carries" />
        </div>
      </div>
      <p className="text-xs text-slate-500">{t("templates.frameHint")}</p>
      <div>
        <label htmlFor="tpl-html">{t("templates.htmlFrame")}</label>
        <textarea id="tpl-html" name="htmlFrame" rows={8} defaultValue={initial.htmlFrame} className="font-mono text-xs" />
        <FieldError name="htmlFrame" />
      </div>
      <div>
        <label htmlFor="tpl-text">{t("templates.textFrame")}</label>
        <textarea id="tpl-text" name="textFrame" rows={5} defaultValue={initial.textFrame} className="font-mono text-xs" />
        <FieldError name="textFrame" />
      </div>
      <FormMessage />
      <SubmitButton>{t("templates.saveTemplate")}</SubmitButton>
    </ActionForm>
  );
}
