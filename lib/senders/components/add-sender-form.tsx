"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { PendingProvider, SubmitButton, useFormAction } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ senderId: string; serverId: string }> | null, form: FormData) => Promise<ActionResult<{ senderId: string; serverId: string }>>;

/** "+ Afzender toevoegen": on success straight on to the page where the codes are entered. */
export function AddSenderForm({ serverId, action }: { serverId: string; action: Action }) {
  const t = useT();
  const router = useRouter();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  useEffect(() => {
    if (state?.ok && state.data) router.push(`/beheer/applicatieinstellingen/mailservers/${state.data.serverId}/afzenders/${state.data.senderId}?added=1`);
  }, [state, router]);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate data-testid="add-sender-form">
      <input type="hidden" name="serverId" value={serverId} />
      <p className="text-sm text-slate-600">{t("senders.addHint")}</p>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <div>
          <label htmlFor="displayName">{t("senders.displayName")}</label>
          <input id="displayName" name="displayName" type="text" maxLength={200} aria-invalid={Boolean(errors.displayName)} />
          {errors.displayName ? <p className="mt-1 text-sm text-red-700" data-field-error="displayName">{errors.displayName.join(" ")}</p> : null}
        </div>
        <div>
          <label htmlFor="address">{t("senders.address")}</label>
          <input id="address" name="address" type="email" aria-invalid={Boolean(errors.address)} />
          {errors.address ? <p className="mt-1 text-sm text-red-700" data-field-error="address">{errors.address.join(" ")}</p> : null}
        </div>
      </div>
      {state && !state.ok && !state.fieldErrors ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
      <PendingProvider pending={pending}><SubmitButton>{t("senders.addSubmit")}</SubmitButton></PendingProvider>
    </form>
  );
}
