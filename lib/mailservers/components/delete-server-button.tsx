"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { useFormAction } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult | null, form: FormData) => Promise<ActionResult>;

export function DeleteServerButton({ serverId, name, action }: { serverId: string; name: string; action: Action }) {
  const t = useT();
  const router = useRouter();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  useEffect(() => {
    if (state?.ok) router.push("/beheer/applicatieinstellingen/mailservers");
  }, [state, router]);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        if (!window.confirm(t("mailservers.deleteConfirm", { name }))) return event.preventDefault();
        onSubmit(event);
      }}
      className="inline"
    >
      <input type="hidden" name="id" value={serverId} />
      <button type="submit" className="btn-danger" disabled={pending}>
        {t("mailservers.delete")}
      </button>
      {state && !state.ok ? (
        <p role="alert" className="mt-2 rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
