import { createApiKeyAction, revokeApiKeyAction } from "@/lib/apikeys/actions.ts";
import { loadApiKeys } from "@/lib/apikeys/data.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { ActionButton, ActionForm, SubmitButton, TextField } from "@/lib/ui/form.tsx";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { loadWebhookEndpoints } from "@/lib/webhooks/data.ts";
import { WebhookEndpoints } from "@/lib/webhooks/components/webhook-endpoints.tsx";
import { Table } from "@/lib/ui/table.tsx";
import { ShownOnce } from "@/lib/ui/shown-once.tsx";

export default async function ApiKeysPage() {
  await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const locale = await getLocale();
  const [keys, endpoints] = await Promise.all([loadApiKeys(), loadWebhookEndpoints()]);
  const format = (date: Date | null) => (date ? formatDateTime(date, locale) : t("apiKeys.never"));
  return (
    <div className="space-y-6">
      <PageHeader title={t("apiKeys.title")} intro={t("apiKeys.intro")} />
      <ActionForm action={createApiKeyAction} className="card space-y-3" testId="create-api-key">
        <div className="flex items-end gap-3">
          <TextField name="name" id="api-key-name" label={t("apiKeys.name")} className="flex-1" input={{ maxLength: 100 }} />
          <SubmitButton>{t("apiKeys.create")}</SubmitButton>
        </div>
        <ShownOnce field="key" testId="new-api-key" />
      </ActionForm>
      <Table
        card
        columns={[t("apiKeys.name"), t("apiKeys.prefix"), t("apiKeys.createdBy"), t("common.createdAt"), t("apiKeys.lastUsed"), t("common.status")]}
        rows={keys}
        empty={t("apiKeys.empty")}
      >
        {(key) => (
          <tr key={key.id}>
            <td>{key.name}</td>
            <td className="font-mono">{key.prefix}…</td>
            <td>{key.createdBy?.email ?? "cli"}</td>
            <td>{format(key.createdAt)}</td>
            <td>{format(key.lastUsedAt)}</td>
            <td>
              {key.revokedAt ? (
                <span className="text-slate-500">{t("apiKeys.revoked")}</span>
              ) : (
                <ActionButton action={revokeApiKeyAction} fields={{ id: key.id }} className="btn-danger" formClassName="">
                  {t("apiKeys.revoke")}
                </ActionButton>
              )}
            </td>
          </tr>
        )}
      </Table>
      {keys
        .filter((key) => !key.revokedAt)
        .map((key) => (
          <WebhookEndpoints key={key.id} apiKey={key} endpoints={endpoints.filter((endpoint) => endpoint.apiKeyId === key.id)} />
        ))}
    </div>
  );
}
