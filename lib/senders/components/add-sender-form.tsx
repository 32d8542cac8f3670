"use client";

import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { ActionForm, FormError, SubmitButton, TextField } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult | null, form: FormData) => Promise<ActionResult>;

/** "+ Afzender toevoegen": on success the action goes straight on to the page where the codes are entered. */
export function AddSenderForm({ serverId, action }: { serverId: string; action: Action }) {
  const t = useT();
  return (
    <ActionForm action={action} className="space-y-3" testId="add-sender-form">
      <input type="hidden" name="serverId" value={serverId} />
      <p className="text-sm text-slate-600">{t("senders.addHint")}</p>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <TextField name="displayName" label={t("senders.displayName")} input={{ maxLength: 200 }} />
        <TextField name="address" label={t("senders.address")} input={{ type: "email" }} />
      </div>
      <FormError />
      <SubmitButton>{t("senders.addSubmit")}</SubmitButton>
    </ActionForm>
  );
}
