"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { useFormAction } from "@/lib/ui/form.tsx";

type Action = (previous: ActionResult<{ serverId: string }> | null, form: FormData) => Promise<ActionResult<{ serverId: string }>>;

export function RemoveSenderButton({ senderId, address, action }: { senderId: string; address: string; action: Action }) {
  const t = useT();
  const router = useRouter();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  useEffect(() => {
    if (state?.ok && state.data) router.push(`/beheer/applicatieinstellingen/mailservers/${state.data.serverId}`);
  }, [state, router]);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        if (!window.confirm(t("senders.removeConfirm", { address }))) return event.preventDefault();
        onSubmit(event);
      }}
    >
      <input type="hidden" name="senderId" value={senderId} />
      <button type="submit" className="btn-danger" disabled={pending}>
        {t("senders.remove")}
      </button>
      {state && !state.ok ? (
        <p role="alert" className="mt-2 rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
