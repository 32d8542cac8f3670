"use client";

import Link from "next/link";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { ActionForm, FormError, SubmitButton, TextField, useActionResult } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ messageId: string }> | null, form: FormData) => Promise<ActionResult<{ messageId: string }>>;

export function TestMessageForm({ action, templateId }: { action: Action; templateId: string }) {
  const t = useT();
  return (
    <ActionForm action={action} className="space-y-3" testId="test-message-form">
      <input type="hidden" name="templateId" value={templateId} />
      <p className="text-sm text-slate-600">{t("templates.testHint")}</p>
      <div className="flex items-end gap-3">
        <TextField name="to" id="test-to" label={t("templates.testTo")} className="flex-1" input={{ type: "email" }} />
        <SubmitButton className="btn-secondary">{t("templates.testSend")}</SubmitButton>
      </div>
      <Queued />
      <FormError />
    </ActionForm>
  );
}

/** "Testbericht in de wachtrij gezet", with the way to its Logging. */
function Queued() {
  const t = useT();
  const state = useActionResult<{ messageId: string }>();
  if (!state?.ok || !state.data) return null;
  return (
    <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
      {state.message} <Link href={`/beheer/applicatieinstellingen/logging/${state.data.messageId}`}>{t("templates.testLog")}</Link>
    </p>
  );
}
