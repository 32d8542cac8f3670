"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { PendingProvider, SubmitButton, useFormAction } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ id: string }> | null, form: FormData) => Promise<ActionResult<{ id: string }>>;
type Values = { id?: string; name: string; key: string; carries: "WERKGEVER" | "MEDISCH"; htmlFrame: string; textFrame: string };

export function TemplateForm({ action, initial, redirectOnCreate }: { action: Action; initial: Values; redirectOnCreate?: boolean }) {
  const t = useT();
  const router = useRouter();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  useEffect(() => {
    if (redirectOnCreate && state?.ok && state.data) router.push(`/beheer/applicatieinstellingen/sjablonen?id=${state.data.id}`);
  }, [state, router, redirectOnCreate]);
  const error = (name: string) => (errors[name] ? <p className="mt-1 text-sm text-red-700" data-field-error={name}>{errors[name]!.join(" ")}</p> : null);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" noValidate data-testid="template-form">
      {initial.id ? <input type="hidden" name="id" value={initial.id} /> : null}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <div>
          <label htmlFor="tpl-name">{t("templates.name")}</label>
          <input id="tpl-name" name="name" type="text" defaultValue={initial.name} />
          {error("name")}
        </div>
        <div>
          <label htmlFor="tpl-key">{t("templates.key")}</label>
          <input id="tpl-key" name="key" type="text" defaultValue={initial.key} className="font-mono" />
          <p className="mt-1 text-xs text-slate-500">{t("templates.keyHint")}</p>
          {error("key")}
        </div>
        <div>
          <label htmlFor="tpl-carries">{t("templates.carries")}</label>
          <select id="tpl-carries" name="carries" defaultValue={initial.carries}>
            <option value="WERKGEVER">{t("templates.carriesOptions.WERKGEVER")}</option>
            <option value="MEDISCH">{t("templates.carriesOptions.MEDISCH")}</option>
          </select>
          {error("carries")}
        </div>
      </div>
      <p className="text-xs text-slate-500">{t("templates.frameHint")}</p>
      <div>
        <label htmlFor="tpl-html">{t("templates.htmlFrame")}</label>
        <textarea id="tpl-html" name="htmlFrame" rows={8} defaultValue={initial.htmlFrame} className="font-mono text-xs" />
        {error("htmlFrame")}
      </div>
      <div>
        <label htmlFor="tpl-text">{t("templates.textFrame")}</label>
        <textarea id="tpl-text" name="textFrame" rows={5} defaultValue={initial.textFrame} className="font-mono text-xs" />
        {error("textFrame")}
      </div>
      {state ? (
        <p role={state.ok ? "status" : "alert"} className={`rounded p-2 text-sm ${state.ok ? "bg-brand-50 text-brand-900" : "bg-red-50 text-red-800"}`}>
          {state.ok ? state.message : state.error}
        </p>
      ) : null}
      <PendingProvider pending={pending}><SubmitButton>{t("templates.saveTemplate")}</SubmitButton></PendingProvider>
    </form>
  );
}
