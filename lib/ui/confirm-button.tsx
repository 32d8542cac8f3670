"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { ActionResult } from "./action-result.ts";
import { useFormAction } from "./form.tsx";

type Action = (previous: ActionResult<unknown> | null, form: FormData) => Promise<ActionResult<unknown>>;

/**
 * A destructive action behind a browser confirmation: posts the hidden fields to the action and,
 * when it succeeds, goes to `then`. Without JavaScript it posts without asking.
 */
export function ConfirmButton({
  action,
  fields,
  label,
  question,
  then,
}: {
  action: Action;
  fields: Record<string, string>;
  label: string;
  question: string;
  then: string;
}) {
  const router = useRouter();
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  useEffect(() => {
    if (state?.ok) router.push(then);
  }, [state, router, then]);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        if (!window.confirm(question)) return event.preventDefault();
        onSubmit(event);
      }}
      className="inline"
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className="btn-danger" disabled={pending}>
        {label}
      </button>
      {state && !state.ok ? (
        <p role="alert" className="mt-2 rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
