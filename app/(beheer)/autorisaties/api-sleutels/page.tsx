import { createApiKeyAction, revokeApiKeyAction } from "@/lib/apikeys/actions.ts";
import { listApiKeys } from "@/lib/apikeys/data.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { ActionForm, FieldError, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";
import { CreatedKey } from "./created-key.tsx";

export default async function ApiKeysPage() {
  await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const locale = await getLocale();
  const keys = await listApiKeys(db());
  const format = (date: Date | null) => (date ? date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" }) : t("apiKeys.never"));
  return (
    <div className="space-y-6">
      <div>
        <h1>{t("apiKeys.title")}</h1>
        <p className="mt-1 text-sm text-slate-600">{t("apiKeys.intro")}</p>
      </div>
      <ActionForm action={createApiKeyAction} className="card space-y-3" testId="create-api-key">
        <div className="flex items-end gap-3">
          <div className="flex-1">
            <label htmlFor="api-key-name">{t("apiKeys.name")}</label>
            <input id="api-key-name" name="name" type="text" maxLength={100} />
            <FieldError name="name" />
          </div>
          <SubmitButton>{t("apiKeys.create")}</SubmitButton>
        </div>
        <CreatedKey />
      </ActionForm>
      <div className="card overflow-x-auto">
        {keys.length === 0 ? (
          <p className="text-slate-600">{t("apiKeys.empty")}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("apiKeys.name")}</th>
                <th>{t("apiKeys.prefix")}</th>
                <th>{t("apiKeys.createdBy")}</th>
                <th>{t("common.createdAt")}</th>
                <th>{t("apiKeys.lastUsed")}</th>
                <th>{t("common.status")}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
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
                      <ActionForm action={revokeApiKeyAction}>
                        <input type="hidden" name="id" value={key.id} />
                        <SubmitButton className="btn-danger">{t("apiKeys.revoke")}</SubmitButton>
                        <FormMessage />
                      </ActionForm>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
