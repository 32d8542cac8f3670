"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useLocale, useT } from "@/lib/i18n/client.tsx";
import type { ActionResult } from "@/lib/ui/action-result.ts";
import { PendingProvider, SubmitButton, useFormAction } from "@/lib/ui/form.tsx";
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
import { newLimitKey, valuesFromPreset, type ServerFormValues } from "../form-values.ts";

type Action = (previous: ActionResult<{ id: string }> | null, form: FormData) => Promise<ActionResult<{ id: string }>>;

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
}: {
  action: Action;
  initial: ServerFormValues;
  passwordStored: boolean;
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
    if (state?.ok && state.data?.id) router.push(`/beheer/applicatieinstellingen/mailservers/${state.data.id}?saved=1`);
  }, [state, router]);

  const set = <K extends keyof ServerFormValues>(key: K, value: ServerFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const chooseType = (type: ServerTypeId) => setValues((v) => ({ ...valuesFromPreset(type, v), id: v.id, name: v.name, managedBy: v.managedBy }));
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
  const fieldError = (name: string) =>
    errors[name]?.length ? (
      <p className="mt-1 text-sm text-red-700" data-field-error={name}>
        {errors[name]!.join(" ")}
      </p>
    ) : null;
  // Microsoft 365's tenant and client id: plain identifiers, shown and kept like any other field.
  const oauthIdField = (name: "oauthTenantId" | "oauthClientId") => (
    <div data-hide-when="PASSWORD NONE">
      <label htmlFor={name}>{t(`mailservers.fields.${name}`)}</label>
      <input
        id={name}
        name={name}
        type="text"
        autoComplete="off"
        spellCheck={false}
        value={values[name]}
        onChange={(e) => set(name, e.target.value)}
        aria-invalid={Boolean(errors[name])}
      />
      <p className="mt-1 text-xs text-slate-500">{t(`mailservers.fields.${name}Hint`)}</p>
      {fieldError(name)}
    </div>
  );
  const presetHasLimit = (row: ServerFormValues["limits"][number]) =>
    preset.limits.some((l) => String(l.count) === row.count.trim() && String(l.windowSize ?? 1) === row.size.trim() && l.window === row.window && l.unit === row.unit);

  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-6" noValidate data-testid="server-form">
      {values.id ? <input type="hidden" name="id" value={values.id} /> : null}
      {state && !state.ok ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}

      <section className="card space-y-4">
        <h2>{t("mailservers.sections.general")}</h2>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <div>
            <label htmlFor="name">{t("mailservers.fields.name")}</label>
            <input id="name" name="name" type="text" value={values.name} onChange={(e) => set("name", e.target.value)} aria-invalid={Boolean(errors.name)} />
            {fieldError("name")}
          </div>
          <div>
            <label htmlFor="type">{t("mailservers.fields.type")}</label>
            <select id="type" name="type" value={values.type} onChange={(e) => chooseType(e.target.value as ServerTypeId)}>
              {SERVER_TYPE_IDS.map((id) => (
                <option key={id} value={id}>
                  {SERVER_TYPES[id].label[locale]}
                </option>
              ))}
            </select>
            {fieldError("type")}
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
              {fieldError("region")}
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
            {fieldError("managedBy")}
          </div>
        </div>
        {source.notes ? <p className="rounded bg-slate-50 p-3 text-sm text-slate-700">{source.notes[locale]}</p> : null}
        <p className="text-xs text-slate-500" data-testid="preset-source">
          {t("mailservers.preset.source", { source: source.source, date: new Date(source.publishedOn).toLocaleDateString(locale === "nl" ? "nl-NL" : "en-GB") })}
        </p>
      </section>

      <section className="card space-y-4">
        <h2>{t("mailservers.sections.connection")}</h2>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
          <div className="md:col-span-2">
            <label htmlFor="host">
              {t("mailservers.fields.host")}
              {preset.host ? badge(values.host.trim().toLowerCase() === preset.host) : null}
            </label>
            <input id="host" name="host" type="text" value={values.host} onChange={(e) => set("host", e.target.value)} aria-invalid={Boolean(errors.host)} />
            {fieldError("host")}
          </div>
          <div>
            <label htmlFor="port">
              {t("mailservers.fields.port")}
              {badge(values.port.trim() === String(preset.port))}
            </label>
            <input id="port" name="port" type="text" inputMode="numeric" value={values.port} onChange={(e) => set("port", e.target.value)} aria-invalid={Boolean(errors.port)} />
            {fieldError("port")}
          </div>
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
            {fieldError("tlsMode")}
          </div>
          <div className="flex items-end">
            <label className="flex items-center gap-2 font-normal">
              <input type="checkbox" name="verifyCertificate" checked={values.verifyCertificate} onChange={(e) => set("verifyCertificate", e.target.checked)} className="accent-brand-600" />
              {t("mailservers.fields.verifyCertificate")}
            </label>
          </div>
        </div>
        {!values.verifyCertificate ? <p className="text-xs text-amber-800">{t("mailservers.fields.verifyCertificateHint")}</p> : null}
        {values.tlsMode === "NONE" ? (
          <div className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="note">
            <p>{t("mailservers.tlsNoneWarning")}</p>
            <label className="mt-2 flex items-center gap-2 font-normal">
              <input type="checkbox" name="acceptInsecure" className="accent-amber-600" />
              {t("mailservers.fields.acceptInsecure")}
            </label>
            {fieldError("acceptInsecure")}
          </div>
        ) : null}
        <div>
          <label htmlFor="heloName">{t("mailservers.fields.heloName")}</label>
          <input id="heloName" name="heloName" type="text" value={values.heloName} onChange={(e) => set("heloName", e.target.value)} />
          <p className="mt-1 text-xs text-slate-500">{t("mailservers.fields.heloNameHint")}</p>
          {fieldError("heloName")}
        </div>
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
          {fieldError("authMethod")}
        </div>
        {source.oauthHint ? (
          <p className="rounded bg-brand-50 p-3 text-sm text-brand-900" data-testid="oauth-hint">
            {source.oauthHint[locale]}
          </p>
        ) : null}
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <div data-hide-when="NONE">
            <label htmlFor="username">{t("mailservers.fields.username")}</label>
            <input id="username" name="username" type="text" autoComplete="off" value={values.username} onChange={(e) => set("username", e.target.value)} aria-invalid={Boolean(errors.username)} />
            {source.usernameHint ? <p className="mt-1 text-xs text-slate-500">{source.usernameHint[locale]}</p> : null}
            {fieldError("username")}
          </div>
          <div data-hide-when="OAUTH2 NONE">
            <label htmlFor="password">
              {t("mailservers.fields.password")}
              {passwordStored ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{t("mailservers.fields.passwordStored")}</span> : null}
            </label>
            {/* Write-only: the stored password is never sent to the browser. */}
            <input id="password" name="password" type="password" autoComplete="new-password" placeholder={passwordStored ? "••••••••" : ""} aria-invalid={Boolean(errors.password)} />
            <p className="mt-1 text-xs text-slate-500">{passwordStored ? t("mailservers.fields.passwordKeepHint") : source.passwordHint?.[locale]}</p>
            {fieldError("password")}
          </div>
          {values.type === "MICROSOFT_365" ? (
            <>
              {oauthIdField("oauthTenantId")}
              {oauthIdField("oauthClientId")}
              <div data-hide-when="PASSWORD NONE">
                <label htmlFor="oauthClientSecret">
                  {t("mailservers.fields.oauthClientSecret")}
                  {secretStored ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{t("mailservers.fields.passwordStored")}</span> : null}
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
                <p className="mt-1 text-xs text-slate-500">{secretStored ? t("mailservers.fields.oauthSecretKeepHint") : t("mailservers.fields.oauthClientSecretHint")}</p>
                {fieldError("oauthClientSecret")}
              </div>
              <div data-hide-when="PASSWORD NONE">
                <label htmlFor="oauthSecretExpiresAt">{t("mailservers.fields.oauthSecretExpiresAt")}</label>
                <input
                  id="oauthSecretExpiresAt"
                  name="oauthSecretExpiresAt"
                  type="date"
                  className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
                  value={values.oauthSecretExpiresAt}
                  onChange={(e) => set("oauthSecretExpiresAt", e.target.value)}
                  aria-invalid={Boolean(errors.oauthSecretExpiresAt)}
                />
                <p className="mt-1 text-xs text-slate-500">{t("mailservers.fields.oauthSecretExpiresAtHint")}</p>
                {fieldError("oauthSecretExpiresAt")}
              </div>
            </>
          ) : null}
          {values.type === "GOOGLE_WORKSPACE" ? (
            <div className="md:col-span-2" data-hide-when="PASSWORD NONE">
              <label htmlFor="oauthServiceAccountKey">
                {t("mailservers.fields.oauthServiceAccountKey")}
                {secretStored ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">{t("mailservers.fields.passwordStored")}</span> : null}
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
                {secretStored ? t("mailservers.fields.oauthServiceAccountKeyKeepHint", { account: oauthStored?.account ?? "" }) : t("mailservers.fields.oauthServiceAccountKeyHint")}
              </p>
              {fieldError("oauthServiceAccountKey")}
            </div>
          ) : null}
        </div>
      </section>

      <section className="card space-y-4" data-testid="limits-editor">
        <div>
          <h2>{t("mailservers.sections.limits")}</h2>
          <p className="text-sm text-slate-600">{t("mailservers.limits.intro")}</p>
        </div>
        {fieldError("limits")}
        {values.limits.length === 0 ? <p className="text-sm text-slate-500">{t("mailservers.limits.none")}</p> : null}
        <ul className="space-y-2">
          {values.limits.map((row, index) => (
            <li key={row.key} className="flex flex-wrap items-start gap-2" data-testid="limit-row">
              <div className="w-36">
                <input
                  type="text"
                  inputMode="numeric"
                  name="limitCount"
                  aria-label={t("mailservers.limits.count")}
                  value={row.count}
                  aria-invalid={Boolean(errors[`limits.${index}.count`])}
                  onChange={(e) => set("limits", values.limits.map((r) => (r.key === row.key ? { ...r, count: e.target.value } : r)))}
                />
                {fieldError(`limits.${index}.count`)}
              </div>
              <div className="w-36">
                <select
                  name="limitUnit"
                  aria-label={t("mailservers.limits.unit")}
                  value={row.unit}
                  onChange={(e) => set("limits", values.limits.map((r) => (r.key === row.key ? { ...r, unit: e.target.value as LimitUnit } : r)))}
                >
                  {LIMIT_UNITS.map((unit) => (
                    <option key={unit} value={unit}>
                      {t(`mailservers.limits.unitOption.${unit}`)}
                    </option>
                  ))}
                </select>
              </div>
              <span className="mt-3 text-sm text-slate-600">{t("mailservers.limits.per")}</span>
              <div className="w-20">
                <input
                  type="text"
                  inputMode="numeric"
                  name="limitSize"
                  aria-label={t("mailservers.limits.size")}
                  value={row.size}
                  aria-invalid={Boolean(errors[`limits.${index}.windowSize`])}
                  onChange={(e) => set("limits", values.limits.map((r) => (r.key === row.key ? { ...r, size: e.target.value } : r)))}
                />
                {fieldError(`limits.${index}.windowSize`)}
              </div>
              <div className="w-36">
                <select
                  name="limitWindow"
                  aria-label={t("mailservers.limits.per")}
                  value={row.window}
                  aria-invalid={Boolean(errors[`limits.${index}.window`])}
                  onChange={(e) => set("limits", values.limits.map((r) => (r.key === row.key ? { ...r, window: e.target.value as LimitWindow } : r)))}
                >
                  {LIMIT_WINDOWS.map((window) => (
                    <option key={window} value={window}>
                      {t(`mailservers.limits.window.${window}`)}
                    </option>
                  ))}
                </select>
                {fieldError(`limits.${index}.window`)}
              </div>
              <span className="mt-2">{badge(presetHasLimit(row))}</span>
              <button type="button" className="btn-danger mt-0.5" onClick={() => set("limits", values.limits.filter((r) => r.key !== row.key))}>
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
        <div className="max-w-sm">
          <label htmlFor="maxRecipientsPerMessage">
            {t("mailservers.fields.maxRecipientsPerMessage")}
            {preset.maxRecipientsPerMessage ? badge(values.maxRecipientsPerMessage.trim() === String(preset.maxRecipientsPerMessage)) : null}
          </label>
          <input
            id="maxRecipientsPerMessage"
            name="maxRecipientsPerMessage"
            type="text"
            inputMode="numeric"
            value={values.maxRecipientsPerMessage}
            onChange={(e) => set("maxRecipientsPerMessage", e.target.value)}
            aria-invalid={Boolean(errors.maxRecipientsPerMessage)}
          />
          <p className="mt-1 text-xs text-slate-500">{t("mailservers.fields.maxRecipientsHint")}</p>
          {fieldError("maxRecipientsPerMessage")}
        </div>
        <div className="max-w-sm">
          <label htmlFor="maxConnections">{t("mailservers.fields.maxConnections")}</label>
          <input
            id="maxConnections"
            name="maxConnections"
            type="text"
            inputMode="numeric"
            value={values.maxConnections}
            onChange={(e) => set("maxConnections", e.target.value)}
            aria-invalid={Boolean(errors.maxConnections)}
          />
          <p className="mt-1 text-xs text-slate-500">{t("mailservers.fields.maxConnectionsHint")}</p>
          {fieldError("maxConnections")}
        </div>
      </section>

      <PendingProvider pending={pending}><SubmitButton>{t("common.save")}</SubmitButton></PendingProvider>
    </form>
  );
}
