"use client";

import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { FormError, FormState, SubmitButton, TextField, useFormAction } from "@/lib/ui/form.tsx";
import type { ProbeResult } from "../probe.ts";

type Action = (previous: ActionResult<ProbeResult> | null, form: FormData) => Promise<ActionResult<ProbeResult>>;

/**
 * The form that runs a connection test. The result is not shown here: the action revalidates the
 * server's page, whose "Laatste verbindingstest" shows it (once) right above this form.
 */
export function ProbePanel({ serverId, action, defaultMailFrom }: { serverId: string; action: Action; defaultMailFrom: string }) {
  const t = useT();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  return (
    <div className="space-y-4">
      <FormState state={state} pending={pending}>
        <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate data-testid="probe-form">
          <input type="hidden" name="id" value={serverId} />
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <TextField
              name="mailFrom"
              label={t("mailservers.probe.mailFrom")}
              hint={t("mailservers.probe.mailFromHint")}
              input={{ type: "email", placeholder: defaultMailFrom }}
            />
            <TextField name="rcptTo" label={t("mailservers.probe.rcptTo")} hint={t("mailservers.probe.rcptToHint")} input={{ type: "email" }} />
          </div>
          <FormError />
          <SubmitButton>{t("mailservers.probe.run")}</SubmitButton>
        </form>
      </FormState>
    </div>
  );
}
