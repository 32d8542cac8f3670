import "server-only";
import { z } from "zod";
import { actorOf, getCurrentUser } from "@/lib/auth/session.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import type { Actor } from "@/lib/audit/record.ts";
import type { Permission } from "@/lib/auth/permissions.ts";
import { getLocale } from "@/lib/i18n/server.ts";
import { isMessageKey, translator, type Translate } from "@/lib/i18n/translate.ts";
import { logger } from "@/lib/log/logger.ts";
import { UserError } from "./errors.ts";
import type { ActionResult } from "./action-result.ts";

type Context = { user: CurrentUser; actor: Actor; t: Translate };

type ActionSpec<S extends z.ZodType, T> = {
  /** Stable name, listed in ACTION_REGISTRY for the authorization matrix tests. */
  name: string;
  permission: Permission;
  schema: S;
  run: (input: z.output<S>, context: Context) => Promise<ActionResult<T>>;
};

export const ACTION_REGISTRY = new Map<string, Permission>();

/**
 * The one wrapper every server action goes through. Each `"use server"` export is a public
 * POST endpoint, so this re-checks the session and the right against the database on every
 * call, validates the input with zod, and maps errors: a user's mistake becomes field errors,
 * anything unexpected is logged with context and shown as a generic message.
 */
export function defineAction<S extends z.ZodType, T = undefined>(spec: ActionSpec<S, T>) {
  ACTION_REGISTRY.set(spec.name, spec.permission);
  async function action(_previous: unknown, input: FormData | z.input<S>): Promise<ActionResult<T>> {
    const t = translator(await getLocale());
    const user = await getCurrentUser();
    if (!user) return { ok: false, status: 401, error: t("login.expired") };
    if (!user.permissions.has(spec.permission)) {
      logger.warn("action refused: missing permission", { action: spec.name, user: user.id, permission: spec.permission });
      return { ok: false, status: 403, error: t("common.forbiddenBody") };
    }
    const raw = input instanceof FormData ? formDataToObject(input) : input;
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      return { ok: false, status: 400, error: t("validation.invalidForm"), fieldErrors: fieldErrorsOf(parsed.error, t) };
    }
    try {
      return await spec.run(parsed.data, { user, actor: await actorOf(user), t });
    } catch (error) {
      if (error instanceof UserError) {
        const message = t(error.messageKey, error.vars);
        return {
          ok: false,
          status: error.status,
          error: message,
          ...(error.field ? { fieldErrors: { [error.field]: [message] } } : {}),
        };
      }
      // Next's redirect()/notFound() are signalled by throwing; let them through.
      if (isNavigationSignal(error)) throw error;
      logger.error("action failed", { action: spec.name, user: user.id, error });
      return { ok: false, status: 500, error: t("common.unexpectedError") };
    }
  }
  // Read by the authorization matrix test, which finds every action on disk.
  return Object.assign(action, { actionName: spec.name, permission: spec.permission });
}

/** Repeated keys become arrays; Next's own `$ACTION_…` fields are dropped. */
export function formDataToObject(form: FormData): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("$ACTION")) continue;
    const name = key.endsWith("[]") ? key.slice(0, -2) : key;
    const text = typeof value === "string" ? value : value.name;
    const existing = result[name];
    if (existing === undefined) result[name] = key.endsWith("[]") ? [text] : text;
    else result[name] = Array.isArray(existing) ? [...existing, text] : [existing, text];
  }
  return result;
}

/** Messages in schemas are catalog keys ("validation.required"); zod's own fall back to nl/en. */
export function fieldErrorsOf(error: z.ZodError, t: Translate): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".") || "_form";
    const [key, varsText] = issue.message.split("|");
    const vars = varsText ? (Object.fromEntries(new URLSearchParams(varsText)) as Record<string, string>) : undefined;
    const message = key && isMessageKey(key) ? t(key, vars) : issue.message;
    (fields[path] ??= []).push(message);
  }
  return fields;
}

function isNavigationSignal(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === "string" && (digest.startsWith("NEXT_REDIRECT") || digest.startsWith("NEXT_HTTP_ERROR_FALLBACK"));
}
