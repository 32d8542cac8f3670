"use client";

import {
  createContext,
  startTransition,
  useActionState,
  useContext,
  useEffect,
  useRef,
  type FormEvent,
  type HTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
} from "react";
import { useRouter } from "next/navigation";
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

/**
 * For a hand-built form (useFormAction): lets the FieldError, FormMessage, FormError and
 * SubmitButton inside it see the action's answer and whether it is running.
 */
export function FormState<T>({ state, pending, children }: { state: ActionResult<T> | null; pending: boolean; children: ReactNode }) {
  return (
    <ResultContext.Provider value={state as ActionResult<unknown> | null}>
      <PendingContext.Provider value={pending}>{children}</PendingContext.Provider>
    </ResultContext.Provider>
  );
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
    <FormState state={state} pending={pending}>
      <form ref={ref} action={formAction} onSubmit={onSubmit} className={className} data-testid={testId} noValidate>
        {children}
      </form>
    </FormState>
  );
}

export function useActionResult<T = unknown>(): ActionResult<T> | null {
  return useContext(ResultContext) as ActionResult<T> | null;
}

/**
 * A form that is one button: posts `fields` as hidden inputs to the action and shows the action's
 * message beside the button ("Opnieuw proberen", "Hervatten", "Intrekken", …).
 */
export function ActionButton<T>({
  action,
  fields,
  children,
  className = "btn",
  formClassName = "flex items-center gap-3",
  testId,
}: {
  action: Action<T>;
  fields: Record<string, string | number>;
  children: ReactNode;
  className?: string;
  formClassName?: string;
  testId?: string;
}) {
  return (
    <ActionForm action={action} className={formClassName || undefined} testId={testId}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton className={className}>{children}</SubmitButton>
      <FormMessage />
    </ActionForm>
  );
}

/** Inside an ActionForm: on success, goes on to the page `to` names for the action's data (e.g. the created item). */
export function RedirectOnSuccess<T>({ to }: { to: (data: T) => string }) {
  const state = useActionResult<T>();
  const router = useRouter();
  const target = state?.ok && state.data !== undefined ? to(state.data) : null;
  useEffect(() => {
    if (target) router.push(target);
  }, [target, router]);
  return null;
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
  return <ErrorAlert error={state.error} />;
}

/**
 * The action's error, without its success message. Only when it is not about fields (those show
 * beside their fields), unless `withFieldErrors`.
 */
export function FormError({ withFieldErrors = false }: { withFieldErrors?: boolean }) {
  const state = useActionResult();
  if (!state || state.ok || (state.fieldErrors && !withFieldErrors)) return null;
  return <ErrorAlert error={state.error} />;
}

function ErrorAlert({ error }: { error: string }) {
  return (
    <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
      {error}
    </p>
  );
}

/** The action's errors for one field (undefined when it has none), e.g. for aria-invalid. */
export function useFieldErrors(name: string): string[] | undefined {
  const state = useActionResult();
  const errors = state && !state.ok ? state.fieldErrors?.[name] : undefined;
  return errors?.length ? errors : undefined;
}

export function FieldError({ name }: { name: string }) {
  const errors = useFieldErrors(name);
  if (!errors) return null;
  return (
    <p className="mt-1 text-sm text-red-700" id={`${name}-error`} data-field-error={name}>
      {errors.join(" ")}
    </p>
  );
}

/**
 * A labelled text box: the label (and a badge after it, e.g. "uit voorinstelling"), the input, a
 * hint, and the action's error for it, which also marks the input aria-invalid. `input` takes the
 * rest of the input's attributes (type, value and onChange, defaultValue, …); `box` the wrapper's.
 */
export function TextField({
  name,
  id = name,
  label,
  badge,
  hint,
  className,
  box,
  input = {},
}: {
  name: string;
  id?: string;
  label: string;
  badge?: ReactNode;
  hint?: ReactNode;
  className?: string;
  box?: HTMLAttributes<HTMLDivElement> & { [data: `data-${string}`]: string | undefined };
  input?: InputHTMLAttributes<HTMLInputElement>;
}) {
  const errors = useFieldErrors(name);
  return (
    <div className={className} {...box}>
      <label htmlFor={id}>
        {label}
        {badge}
      </label>
      <input id={id} name={name} type="text" {...input} aria-invalid={Boolean(errors)} />
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
      <FieldError name={name} />
    </div>
  );
}

/** A warning that needs a tick before the action goes ahead (e.g. mail without TLS, the FG's consent), with its error. */
export function WarningCheckbox({ name, warning, label }: { name: string; warning: ReactNode; label: ReactNode }) {
  return (
    <div className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="note">
      <p>{warning}</p>
      <label className="mt-2 flex items-start gap-2 font-normal">
        <input type="checkbox" name={name} className="mt-0.5 accent-amber-600" />
        {label}
      </label>
      <FieldError name={name} />
    </div>
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
