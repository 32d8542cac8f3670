"use client";

import Link from "next/link";

import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { PendingProvider, SubmitButton, useFormAction } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ messageId: string }> | null, form: FormData) => Promise<ActionResult<{ messageId: string }>>;

export function TestMessageForm({ action, templateId }: { action: Action; templateId: string }) {
  const t = useT();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate data-testid="test-message-form">
      <input type="hidden" name="templateId" value={templateId} />
      <p className="text-sm text-slate-600">{t("templates.testHint")}</p>
      <div className="flex items-end gap-3">
        <div className="flex-1">
          <label htmlFor="test-to">{t("templates.testTo")}</label>
          <input id="test-to" name="to" type="email" />
          {errors.to ? <p className="mt-1 text-sm text-red-700" data-field-error="to">{errors.to.join(" ")}</p> : null}
        </div>
        <PendingProvider pending={pending}><SubmitButton className="btn-secondary">{t("templates.testSend")}</SubmitButton></PendingProvider>
      </div>
      {state?.ok && state.data ? (
        <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
          {state.message} <Link href={`/beheer/applicatieinstellingen/logging/${state.data.messageId}`}>{t("templates.testLog")}</Link>
        </p>
      ) : state && !state.ok && !state.fieldErrors ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
