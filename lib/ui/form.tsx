"use client";

import { createContext, startTransition, useActionState, useContext, useEffect, useRef, type FormEvent, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "./action-result.ts";

type Action<T> = (previous: ActionResult<T> | null, form: FormData) => Promise<ActionResult<T>>;

const ResultContext = createContext<ActionResult<unknown> | null>(null);
const PendingContext = createContext(false);

/**
 * useActionState, but the submission goes through onSubmit so React does not reset the form
 * afterwards: React 19 resets a form after a function action, which empties what the user typed
 * when the answer is a field error, and also resets controlled selects (react#30580). The
 * `formAction` still goes on the form's `action`, so the form posts without JavaScript too.
 */
export function useFormAction<T>(action: Action<T>) {
  const [state, formAction, pending] = useActionState(action, null);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const data = new FormData(event.currentTarget, submitter instanceof HTMLElement ? submitter : null);
    startTransition(() => formAction(data));
  };
  return { state, formAction, onSubmit, pending };
}

/** Lets a SubmitButton inside a hand-built form know that its action is running. */
export function PendingProvider({ pending, children }: { pending: boolean; children: ReactNode }) {
  return <PendingContext.Provider value={pending}>{children}</PendingContext.Provider>;
}

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
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (resetOnSuccess && state?.ok) ref.current?.reset();
  }, [state, resetOnSuccess]);
  return (
    <ResultContext.Provider value={state as ActionResult<unknown> | null}>
      <PendingContext.Provider value={pending}>
        <form ref={ref} action={formAction} onSubmit={onSubmit} className={className} data-testid={testId} noValidate>
          {children}
        </form>
      </PendingContext.Provider>
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
  const status = useFormStatus();
  const pending = useContext(PendingContext) || status.pending;
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending} name={name} value={value}>
      {children}
    </button>
  );
}
