import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { ActionButton, ActionForm, FieldError, SubmitButton, TextField } from "@/lib/ui/form.tsx";
import { createWebhookAction, deleteWebhookAction, rotateWebhookSecretAction, sendTestWebhookAction, setWebhookActiveAction } from "../actions.ts";
import type { WebhookEndpointView } from "../data.ts";
import { WEBHOOK_EVENTS } from "../events.ts";
import { ShownOnce } from "@/lib/ui/shown-once.tsx";

const eventKey = (type: string) => type.replace(/^(message|webhook)\./, "");

/** One API key's webhook endpoints: add, test, rotate, disable, delete, and each endpoint's last deliveries. */
export async function WebhookEndpoints({ apiKey, endpoints }: { apiKey: { id: string; name: string }; endpoints: WebhookEndpointView[] }) {
  const t = await getT();
  const locale = await getLocale();
  const eventLabel = (type: string) => t(`webhooks.events.${eventKey(type) as "sent"}`);
  return (
    <section className="card space-y-4" aria-labelledby={`webhooks-${apiKey.id}`} data-testid={`webhooks-${apiKey.name}`}>
      <h2 id={`webhooks-${apiKey.id}`} className="text-lg font-semibold">
        {t("webhooks.title", { name: apiKey.name })}
      </h2>
      <p className="text-sm text-slate-600">{t("webhooks.intro")}</p>
      {endpoints.length === 0 ? <p className="text-sm text-slate-600">{t("webhooks.empty")}</p> : null}
      {endpoints.map((endpoint) => (
        <div key={endpoint.id} className="space-y-3 rounded border border-slate-200 p-3" data-testid="webhook-endpoint">
          <div className="flex flex-wrap items-baseline gap-2">
            <span className="font-mono break-all">{endpoint.url}</span>
            <span className={endpoint.active ? "text-green-700" : "text-slate-500"}>{endpoint.active ? t("webhooks.active") : t("webhooks.inactive")}</span>
          </div>
          <p className="text-sm">
            {t("webhooks.subscribed")}: {endpoint.events.map(eventLabel).join(", ")}
          </p>
          <div className="flex flex-wrap items-start gap-2">
            <ActionButton action={sendTestWebhookAction} fields={{ id: endpoint.id }} testId="webhook-test">
              {t("webhooks.sendTest")}
            </ActionButton>
            <ActionForm action={rotateWebhookSecretAction} className="flex flex-col gap-2" testId="webhook-rotate">
              <input type="hidden" name="id" value={endpoint.id} />
              <SubmitButton className="btn-secondary">{t("webhooks.rotate")}</SubmitButton>
              <ShownOnce field="secret" testId="new-webhook-secret" />
            </ActionForm>
            <ActionButton action={setWebhookActiveAction} fields={{ id: endpoint.id, active: endpoint.active ? "false" : "true" }} className="btn-secondary">
              {endpoint.active ? t("webhooks.disable") : t("webhooks.enable")}
            </ActionButton>
            <ActionButton action={deleteWebhookAction} fields={{ id: endpoint.id }} className="btn-danger">
              {t("webhooks.delete")}
            </ActionButton>
          </div>
          {/* Scrolls sideways on a phone: focusable so a keyboard can scroll it (as lib/ui/table.tsx). */}
          <div className="overflow-x-auto focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:outline-none" tabIndex={0}>
            <table className="w-full text-sm" data-testid="webhook-history">
              <caption className="text-left font-medium">{t("webhooks.history")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("webhooks.event")}</th>
                  <th scope="col">{t("common.status")}</th>
                  <th scope="col">{t("webhooks.attempts")}</th>
                  <th scope="col">{t("webhooks.statusCode")}</th>
                  <th scope="col">{t("webhooks.lastAttempt")}</th>
                </tr>
              </thead>
              <tbody>
                {endpoint.deliveries.length === 0 ? (
                  <tr>
                    <td colSpan={5} className="text-slate-500">
                      {t("webhooks.noHistory")}
                    </td>
                  </tr>
                ) : (
                  endpoint.deliveries.map((delivery) => (
                    <tr key={delivery.id}>
                      <td>
                        {eventLabel(delivery.type)} <span className="font-mono text-xs text-slate-500">{delivery.eventId.slice(0, 8)}</span>
                      </td>
                      <td>{t(`webhooks.status.${delivery.status}`)}</td>
                      <td>{delivery.attempts}</td>
                      <td title={delivery.lastError ?? undefined}>{delivery.lastStatusCode ?? (delivery.lastError ? t("webhooks.noAnswer") : "–")}</td>
                      <td>{delivery.lastAttemptAt ? formatDateTime(delivery.lastAttemptAt, locale) : "–"}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        </div>
      ))}
      <ActionForm action={createWebhookAction} className="space-y-3" testId={`create-webhook-${apiKey.name}`} resetOnSuccess>
        <input type="hidden" name="apiKeyId" value={apiKey.id} />
        <TextField name="url" id={`webhook-url-${apiKey.id}`} label={t("webhooks.url")} input={{ maxLength: 2000, type: "url", placeholder: "https://" }} />
        <fieldset>
          <legend className="text-sm font-medium">{t("webhooks.eventsLegend")}</legend>
          <div className="flex flex-wrap gap-x-4 gap-y-1">
            {WEBHOOK_EVENTS.map((type) => (
              <label key={type} className="flex items-center gap-1 text-sm">
                <input type="checkbox" name="events[]" value={type} defaultChecked={type !== "message.accepted"} />
                {eventLabel(type)}
              </label>
            ))}
          </div>
          <FieldError name="events" />
        </fieldset>
        <SubmitButton>{t("webhooks.add")}</SubmitButton>
        <ShownOnce field="secret" testId="new-webhook-secret" />
      </ActionForm>
    </section>
  );
}
