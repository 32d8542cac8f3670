"use client";


import { useLocale, useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { PendingProvider, SubmitButton, useFormAction } from "@/lib/ui/form.tsx";
import type { ProbeResult } from "../probe.ts";
import { ProbeResultView } from "./probe-result.tsx";

type Action = (previous: ActionResult<ProbeResult> | null, form: FormData) => Promise<ActionResult<ProbeResult>>;

export function ProbePanel({ serverId, action, defaultMailFrom }: { serverId: string; action: Action; defaultMailFrom: string }) {
  const t = useT();
  const locale = useLocale();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  return (
    <div className="space-y-4">
      <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate data-testid="probe-form">
        <input type="hidden" name="id" value={serverId} />
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <div>
            <label htmlFor="mailFrom">{t("mailservers.probe.mailFrom")}</label>
            <input id="mailFrom" name="mailFrom" type="email" placeholder={defaultMailFrom} />
            <p className="mt-1 text-xs text-slate-500">{t("mailservers.probe.mailFromHint")}</p>
            {errors.mailFrom ? <p className="mt-1 text-sm text-red-700">{errors.mailFrom.join(" ")}</p> : null}
          </div>
          <div>
            <label htmlFor="rcptTo">{t("mailservers.probe.rcptTo")}</label>
            <input id="rcptTo" name="rcptTo" type="email" />
            <p className="mt-1 text-xs text-slate-500">{t("mailservers.probe.rcptToHint")}</p>
            {errors.rcptTo ? <p className="mt-1 text-sm text-red-700">{errors.rcptTo.join(" ")}</p> : null}
          </div>
        </div>
        {state && !state.ok && !state.fieldErrors ? (
          <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
            {state.error}
          </p>
        ) : null}
        <PendingProvider pending={pending}><SubmitButton>{t("mailservers.probe.run")}</SubmitButton></PendingProvider>
      </form>
      {state?.ok && state.data ? <ProbeResultView result={state.data} t={t} locale={locale} /> : null}
    </div>
  );
}
