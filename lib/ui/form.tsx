"use client";

import { createContext, useActionState, useContext, useEffect, useRef, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "./action-result.ts";

type Action<T> = (previous: ActionResult<T> | null, form: FormData) => Promise<ActionResult<T>>;

const ResultContext = createContext<ActionResult<unknown> | null>(null);

/**
 * A form bound to a server action through useActionState: it posts without JavaScript too,
 * and shows the action's message and field errors where they belong.
 */
export function ActionForm<T>({
  action,
  children,
  className,
  resetOnSuccess = false,
  testId,
}: {
  action: Action<T>;
  children: ReactNode;
  className?: string;
  resetOnSuccess?: boolean;
  testId?: string;
}) {
  const [state, formAction] = useActionState(action, null);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (resetOnSuccess && state?.ok) ref.current?.reset();
  }, [state, resetOnSuccess]);
  return (
    <ResultContext.Provider value={state as ActionResult<unknown> | null}>
      <form ref={ref} action={formAction} className={className} data-testid={testId} noValidate>
        {children}
      </form>
    </ResultContext.Provider>
  );
}

export function useActionResult<T = unknown>(): ActionResult<T> | null {
  return useContext(ResultContext) as ActionResult<T> | null;
}

export function FormMessage() {
  const state = useActionResult();
  if (!state) return null;
  if (state.ok) {
    return state.message ? (
      <p role="status" className="rounded bg-brand-50 p-2 text-sm text-brand-900">
        {state.message}
      </p>
    ) : null;
  }
  return (
    <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
      {state.error}
    </p>
  );
}

export function FieldError({ name }: { name: string }) {
  const state = useActionResult();
  const errors = state && !state.ok ? state.fieldErrors?.[name] : undefined;
  if (!errors?.length) return null;
  return (
    <p className="mt-1 text-sm text-red-700" id={`${name}-error`} data-field-error={name}>
      {errors.join(" ")}
    </p>
  );
}

export function SubmitButton({ children, className = "btn", name, value }: { children: ReactNode; className?: string; name?: string; value?: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending} name={name} value={value}>
      {children}
    </button>
  );
}
