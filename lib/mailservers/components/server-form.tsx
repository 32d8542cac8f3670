"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState, type ChangeEvent } from "react";
import { useLocale, useT } from "@/lib/i18n/client.tsx";
import { formatDate } from "@/lib/i18n/format.ts";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { withNotice } from "@/lib/ui/notice-codes.ts";
import { FieldError, FormError, FormState, SubmitButton, TextField, useFieldErrors, useFormAction } from "@/lib/ui/form.tsx";
import {
  authMethodsFor,
  LIMIT_UNITS,
  LIMIT_WINDOWS,
  presetFor,
  SERVER_TYPE_IDS,
  SERVER_TYPES,
  SES_REGIONS,
  TLS_MODES,
  type AuthMethod,
  type LimitUnit,
  type LimitWindow,
  type ServerTypeId,
  type TlsMode,
} from "../presets.ts";
import { MANAGED_BY, type ManagedBy } from "../schema.ts";
import { newLimitKey, switchType, type ServerFormValues } from "../form-values.ts";
import { limitSentence } from "./limit-text.ts";

type Action = (previous: ActionResult<{ id: string }> | null, form: FormData) => Promise<ActionResult<{ id: string }>>;
type LimitRow = ServerFormValues["limits"][number];
type TextKey = { [K in keyof ServerFormValues]-?: ServerFormValues[K] extends string ? K : never }[keyof ServerFormValues];

/**
 * Which authentication fields show follows the method select through CSS (:has), not React
 * state, so the fields of every method are in the page and the right ones appear without
 * JavaScript too. The server ignores the fields of the methods not chosen.
 */
const AUTH_FIELDS_CSS = (["PASSWORD", "OAUTH2", "NONE"] as const)
  .map((method) => `[data-auth-section]:has(#authMethod option[value="${method}"]:checked) [data-hide-when~="${method}"]`)
  .join(",\n")
  .concat(" { display: none; }");

/**
 * The mail server form. Choosing a type fills host, port, TLS, authentication and the provider's
 * known limits; every value stays editable and each says whether it still is the preset's. It
 * posts as a plain form too, so it keeps working without JavaScript (only the pre-fill needs it).
 */
export function ServerForm({
  action,
  initial,
  passwordStored,
  oauthStored,
  cancelHref,
}: {
  action: Action;
  initial: ServerFormValues;
  passwordStored: boolean;
  /** "Annuleren" goes back here: the page the form was opened from. */
  cancelHref: string;
  /** An OAuth2 secret is stored for this type (Google: for this service account). */
  oauthStored?: { type: ServerTypeId; account: string };
}) {
  const t = useT();
  const locale = useLocale();
  const router = useRouter();
  const [values, setValues] = useState(initial);
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  const preset = presetFor(values.type, { region: values.region || undefined });
  const source = SERVER_TYPES[values.type];
  // A stored secret belongs to the type it was entered for; another type needs a new one.
  const secretStored = oauthStored?.type === values.type;

  useEffect(() => {
    if (state?.ok && state.data?.id)
      router.push(withNotice(`/beheer/applicatieinstellingen/mailservers/${state.data.id}`, initial.id ? "server-opgeslagen" : "server-aangemaakt"));
  }, [state, router, initial.id]);

  const set = <K extends keyof ServerFormValues>(key: K, value: ServerFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  // A text box bound to one of the form's text values.
  const bind = (key: TextKey) => ({ value: values[key], onChange: (e: ChangeEvent<HTMLInputElement>) => set(key, e.target.value) });
  const chooseType = (type: ServerTypeId) => setValues((v) => switchType(v, type));
  const chooseRegion = (region: string) =>
    setValues((v) => {
      const oldHost = presetFor(v.type, { region: v.region || undefined }).host;
      const host = v.host === oldHost ? presetFor(v.type, { region }).host : v.host;
      return { ...v, region, host };
    });

  const badge = (matches: boolean) =>
    matches ? (
      <span className="ml-2 rounded bg-brand-50 px-1.5 py-0.5 text-xs font-normal text-brand-700">{t("mailservers.preset.fromPreset")}</span>
    ) : (
      <span className="ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-xs font-normal text-amber-800">{t("mailservers.preset.changed")}</span>
    );
  // Microsoft 365's tenant and client id: plain identifiers, shown and kept like any other field.
  const oauthIdField = (name: "oauthTenantId" | "oauthClientId") => (
    <TextField
      name={name}
      label={t(`mailservers.fields.${name}`)}
      hint={t(`mailservers.fields.${name}Hint`)}
      box={{ "data-hide-when": "PASSWORD NONE" }}
      input={{ ...bind(name), autoComplete: "off", spellCheck: false }}
    />
  );
  const setLimit = (key: number, change: Partial<LimitRow>) =>
    set(
      "limits",
      values.limits.map((r) => (r.key === key ? { ...r, ...change } : r)),
    );
  // "30 berichten per minuut" beside a row, once it holds a number: how Postkamer reads it.
  const readable = (row: LimitRow) =>
    /^\d+$/.test(row.count.trim()) && Number(row.count) > 0
      ? limitSentence({ count: Number(row.count), window: row.window, windowSize: periods(row.size), unit: row.unit }, t, locale)
      : "";
  const presetHasLimit = (row: LimitRow) =>
    preset.limits.some(
      (l) => String(l.count) === row.count.trim() && String(l.windowSize ?? 1) === row.size.trim() && l.window === row.window && l.unit === row.unit,
    );

  return (
    <FormState state={state} pending={pending}>
      <form action={formAction} onSubmit={onSubmit} className="space-y-6" noValidate data-testid="server-form">
        {values.id ? <input type="hidden" name="id" value={values.id} /> : null}
        <FormError withFieldErrors />

        <section className="card space-y-4">
          <h2>{t("mailservers.sections.general")}</h2>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <TextField name="name" label={t("mailservers.fields.name")} input={bind("name")} />
            <div>
              <label htmlFor="type">{t("mailservers.fields.type")}</label>
              <select id="type" name="type" value={values.type} onChange={(e) => chooseType(e.target.value as ServerTypeId)}>
                {SERVER_TYPE_IDS.map((id) => (
                  <option key={id} value={id}>
                    {SERVER_TYPES[id].label[locale]}
                  </option>
                ))}
              </select>
              <FieldError name="type" />
            </div>
            {values.type === "AMAZON_SES" ? (
              <div>
                <label htmlFor="region">{t("mailservers.fields.region")}</label>
                <select id="region" name="region" value={values.region} onChange={(e) => chooseRegion(e.target.value)}>
                  {SES_REGIONS.map((region) => (
                    <option key={region} value={region}>
                      {region}
                    </option>
                  ))}
                </select>
                <FieldError name="region" />
              </div>
            ) : null}
            <div>
              <label htmlFor="managedBy">{t("mailservers.fields.managedBy")}</label>
              <select id="managedBy" name="managedBy" value={values.managedBy} onChange={(e) => set("managedBy", e.target.value as ManagedBy)}>
                {MANAGED_BY.map((option) => (
                  <option key={option} value={option}>
                    {t(`mailservers.managedByOptions.${option}`)}
                  </option>
                ))}
              </select>
              <p className="mt-1 text-xs text-slate-500">{t("mailservers.fields.managedByHint")}</p>
              <FieldError name="managedBy" />
            </div>
          </div>
          {source.notes ? <p className="rounded bg-slate-50 p-3 text-sm text-slate-700">{source.notes[locale]}</p> : null}
          <p className="text-xs text-slate-500" data-testid="preset-source">
            {t("mailservers.preset.source", { source: source.source, date: formatDate(source.publishedOn, locale) })}
          </p>
        </section>

        <section className="card space-y-4">
          <h2>{t("mailservers.sections.connection")}</h2>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
            <TextField
              name="host"
              label={t("mailservers.fields.host")}
              badge={preset.host ? badge(values.host.trim().toLowerCase() === preset.host) : null}
              className="md:col-span-2"
              input={bind("host")}
            />
            <TextField
              name="port"
              label={t("mailservers.fields.port")}
              badge={badge(values.port.trim() === String(preset.port))}
              input={{ ...bind("port"), inputMode: "numeric" }}
            />
            <div className="md:col-span-2">
              <label htmlFor="tlsMode">
                {t("mailservers.fields.tlsMode")}
                {badge(values.tlsMode === preset.tlsMode)}
              </label>
              <select id="tlsMode" name="tlsMode" value={values.tlsMode} onChange={(e) => set("tlsMode", e.target.value as TlsMode)}>
                {TLS_MODES.map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`mailservers.tls.${mode}`)}
                  </option>
                ))}
              </select>
              <FieldError name="tlsMode" />
            </div>
            <div className="flex items-end">
              <label className="flex items-center gap-2 font-normal">
                <input
                  type="checkbox"
                  name="verifyCertificate"
                  checked={values.verifyCertificate}
                  onChange={(e) => set("verifyCertificate", e.target.checked)}
                  className="accent-brand-600"
                />
                {t("mailservers.fields.verifyCertificate")}
              </label>
            </div>
          </div>
          {!values.verifyCertificate ? <p className="text-xs text-amber-800">{t("mailservers.fields.verifyCertificateHint")}</p> : null}
          {values.tlsMode === "NONE" ? (
            // Remembered with the server once given: shown ticked on edit, cleared when the server is encrypted again.
            <div className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="note" data-testid="insecure-warning">
              <p>{t("mailservers.tlsNoneWarning")}</p>
              <label className="mt-2 flex items-start gap-2 font-normal">
                <input
                  type="checkbox"
                  name="acceptInsecure"
                  checked={values.acceptInsecure}
                  onChange={(e) => set("acceptInsecure", e.target.checked)}
                  className="mt-0.5 accent-amber-600"
                />
                {t("mailservers.fields.acceptInsecure")}
              </label>
              {initial.acceptInsecure ? <p className="mt-1 text-xs">{t("mailservers.fields.acceptInsecureStored")}</p> : null}
              <FieldError name="acceptInsecure" />
            </div>
          ) : null}
          <TextField name="heloName" label={t("mailservers.fields.heloName")} hint={t("mailservers.fields.heloNameHint")} input={bind("heloName")} />
        </section>

        <section className="card space-y-4" data-auth-section>
          <style>{AUTH_FIELDS_CSS}</style>
          <h2>{t("mailservers.sections.authentication")}</h2>
          <div>
            <label htmlFor="authMethod">
              {t("mailservers.fields.authMethod")}
              {badge(values.authMethod === preset.authMethod)}
            </label>
            <select id="authMethod" name="authMethod" value={values.authMethod} onChange={(e) => set("authMethod", e.target.value as AuthMethod)}>
              {authMethodsFor(values.type).map((method) => (
                <option key={method} value={method}>
                  {t(`mailservers.auth.${method}`)}
                </option>
              ))}
            </select>
            <FieldError name="authMethod" />
          </div>
          {source.oauthHint ? (
            <p className="rounded bg-brand-50 p-3 text-sm text-brand-900" data-testid="oauth-hint">
              {source.oauthHint[locale]}
            </p>
          ) : null}
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <TextField
              name="username"
              label={t("mailservers.fields.username")}
              hint={source.usernameHint?.[locale]}
              box={{ "data-hide-when": "NONE" }}
              input={{ ...bind("username"), autoComplete: "off" }}
            />
            <div data-hide-when="OAUTH2 NONE">
              <label htmlFor="password">
                {t("mailservers.fields.password")}
                {passwordStored ? (
                  <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{t("mailservers.fields.passwordStored")}</span>
                ) : null}
              </label>
              {/* Write-only: the stored password is never sent to the browser. */}
              <input
                id="password"
                name="password"
                type="password"
                autoComplete="new-password"
                placeholder={passwordStored ? "••••••••" : ""}
                aria-invalid={Boolean(errors.password)}
              />
              <p className="mt-1 text-xs text-slate-500">{passwordStored ? t("mailservers.fields.passwordKeepHint") : source.passwordHint?.[locale]}</p>
              <FieldError name="password" />
            </div>
            {values.type === "MICROSOFT_365" ? (
              <>
                {oauthIdField("oauthTenantId")}
                {oauthIdField("oauthClientId")}
                <div data-hide-when="PASSWORD NONE">
                  <label htmlFor="oauthClientSecret">
                    {t("mailservers.fields.oauthClientSecret")}
                    {secretStored ? (
                      <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">
                        {t("mailservers.fields.passwordStored")}
                      </span>
                    ) : null}
                  </label>
                  {/* Write-only like the password: the stored secret is never sent to the browser. */}
                  <input
                    id="oauthClientSecret"
                    name="oauthClientSecret"
                    type="password"
                    autoComplete="new-password"
                    placeholder={secretStored ? "••••••••" : ""}
                    aria-invalid={Boolean(errors.oauthClientSecret)}
                  />
                  <p className="mt-1 text-xs text-slate-500">
                    {secretStored ? t("mailservers.fields.oauthSecretKeepHint") : t("mailservers.fields.oauthClientSecretHint")}
                  </p>
                  <FieldError name="oauthClientSecret" />
                </div>
                <TextField
                  name="oauthSecretExpiresAt"
                  label={t("mailservers.fields.oauthSecretExpiresAt")}
                  hint={t("mailservers.fields.oauthSecretExpiresAtHint")}
                  box={{ "data-hide-when": "PASSWORD NONE" }}
                  input={{
                    ...bind("oauthSecretExpiresAt"),
                    type: "date",
                    className: "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm",
                  }}
                />
              </>
            ) : null}
            {values.type === "GOOGLE_WORKSPACE" ? (
              <div className="md:col-span-2" data-hide-when="PASSWORD NONE">
                <label htmlFor="oauthServiceAccountKey">
                  {t("mailservers.fields.oauthServiceAccountKey")}
                  {secretStored ? (
                    <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{t("mailservers.fields.passwordStored")}</span>
                  ) : null}
                </label>
                {/* Write-only: the stored private key is never sent to the browser. */}
                <textarea
                  id="oauthServiceAccountKey"
                  name="oauthServiceAccountKey"
                  rows={4}
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono text-xs"
                  placeholder={secretStored ? "••••••••" : '{ "type": "service_account", … }'}
                  aria-invalid={Boolean(errors.oauthServiceAccountKey)}
                />
                <p className="mt-1 text-xs text-slate-500">
                  {secretStored
                    ? t("mailservers.fields.oauthServiceAccountKeyKeepHint", { account: oauthStored?.account ?? "" })
                    : t("mailservers.fields.oauthServiceAccountKeyHint")}
                </p>
                <FieldError name="oauthServiceAccountKey" />
              </div>
            ) : null}
          </div>
        </section>

        <section className="card space-y-4" data-testid="limits-editor">
          <div>
            <h2>{t("mailservers.sections.limits")}</h2>
            <p className="text-sm text-slate-600">{t("mailservers.limits.intro")}</p>
          </div>
          <FieldError name="limits" />
          {values.limits.length === 0 ? <p className="text-sm text-slate-500">{t("mailservers.limits.none")}</p> : null}
          <ul className="space-y-2">
            {values.limits.map((row, index) => (
              <li key={row.key} className="flex flex-wrap items-start gap-2" data-testid="limit-row">
                <LimitCell
                  name="limitCount"
                  label={t("mailservers.limits.count")}
                  value={row.count}
                  error={`limits.${index}.count`}
                  width="w-36"
                  onChange={(count) => setLimit(row.key, { count })}
                />
                <LimitCell
                  name="limitUnit"
                  label={t("mailservers.limits.unit")}
                  value={row.unit}
                  options={LIMIT_UNITS.map((unit) => ({ value: unit, label: t(`mailservers.limits.unitOption.${unit}`) }))}
                  width="w-36"
                  onChange={(unit) => setLimit(row.key, { unit: unit as LimitUnit })}
                />
                <span className="mt-3 text-sm text-slate-600">{t("mailservers.limits.per")}</span>
                <LimitCell
                  name="limitSize"
                  label={t("mailservers.limits.size")}
                  value={row.size}
                  error={`limits.${index}.windowSize`}
                  width="w-20"
                  onChange={(size) => setLimit(row.key, { size })}
                />
                <LimitCell
                  name="limitWindow"
                  label={t("mailservers.limits.per")}
                  value={row.window}
                  options={LIMIT_WINDOWS.map((window) => ({
                    value: window,
                    label: t(`mailservers.limits.windowOption.${window}`, { count: periods(row.size) }),
                  }))}
                  error={`limits.${index}.window`}
                  width="w-36"
                  onChange={(window) => setLimit(row.key, { window: window as LimitWindow })}
                />
                <span className="mt-2">{badge(presetHasLimit(row))}</span>
                {readable(row) ? (
                  <span className="mt-2 basis-full text-xs text-slate-600 sm:basis-auto" data-testid="limit-sentence">
                    = {readable(row)}
                  </span>
                ) : null}
                <button
                  type="button"
                  className="btn-danger mt-0.5"
                  onClick={() =>
                    set(
                      "limits",
                      values.limits.filter((r) => r.key !== row.key),
                    )
                  }
                >
                  {t("mailservers.limits.remove")}
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => set("limits", [...values.limits, { key: newLimitKey(), count: "", size: "1", window: "MINUTE", unit: "MESSAGES" }])}
          >
            {t("mailservers.limits.add")}
          </button>
          <TextField
            name="maxRecipientsPerMessage"
            label={t("mailservers.fields.maxRecipientsPerMessage")}
            badge={preset.maxRecipientsPerMessage ? badge(values.maxRecipientsPerMessage.trim() === String(preset.maxRecipientsPerMessage)) : null}
            hint={t("mailservers.fields.maxRecipientsHint")}
            className="max-w-sm"
            input={{ ...bind("maxRecipientsPerMessage"), inputMode: "numeric" }}
          />
          <TextField
            name="maxConnections"
            label={t("mailservers.fields.maxConnections")}
            hint={t("mailservers.fields.maxConnectionsHint")}
            className="max-w-sm"
            input={{ ...bind("maxConnections"), inputMode: "numeric" }}
          />
        </section>

        <div className="flex items-center gap-3">
          <SubmitButton>{t("common.save")}</SubmitButton>
          <Link href={cancelHref} className="btn-secondary no-underline hover:no-underline">
            {t("common.cancel")}
          </Link>
        </div>
      </form>
    </FormState>
  );
}

/** The number of periods a limit row's window spans: an empty or unreadable box counts as 1 (as the form's schema does). */
function periods(size: string): number {
  const n = Number(size.trim());
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** One field of a limit row (count, unit, size or window): a number box, or a select when it has options. */
function LimitCell({
  name,
  label,
  value,
  options,
  error,
  width,
  onChange,
}: {
  name: string;
  label: string;
  value: string;
  options?: { value: string; label: string }[];
  /** The field-error key of this cell, e.g. "limits.0.count". */
  error?: string;
  width: string;
  onChange: (value: string) => void;
}) {
  const errors = useFieldErrors(error ?? "");
  const invalid = error ? Boolean(errors) : undefined;
  return (
    <div className={width}>
      {options ? (
        <select name={name} aria-label={label} value={value} aria-invalid={invalid} onChange={(e) => onChange(e.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : (
        <input type="text" inputMode="numeric" name={name} aria-label={label} value={value} aria-invalid={invalid} onChange={(e) => onChange(e.target.value)} />
      )}
      {error ? <FieldError name={error} /> : null}
    </div>
  );
}
