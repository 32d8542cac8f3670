import { ALL_PERMISSIONS, Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getT } from "@/lib/i18n/server.ts";
import { createRoleAction, saveRoleMatrixAction } from "@/lib/rights/actions.ts";
import { listRoles } from "@/lib/rights/data.ts";
import { ActionForm, FieldError, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";

export default async function FeatureRightsPage() {
  await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const roles = await listRoles(db());
  return (
    <div className="space-y-6">
      <div>
        <h1>{t("rights.title")}</h1>
        <p className="mt-1 text-sm text-slate-600">{t("rights.intro")}</p>
      </div>
      <ActionForm action={saveRoleMatrixAction} className="card space-y-4" testId="rights-matrix">
        {roles.map((role) => (
          <input key={role.id} type="hidden" name="roles" value={role.id} />
        ))}
        <div className="overflow-x-auto">
          <table className="table">
            <thead>
              <tr>
                <th>{t("rights.permission")}</th>
                {roles.map((role) => (
                  <th key={role.id} className="text-center">
                    {role.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ALL_PERMISSIONS.map((permission) => (
                <tr key={permission}>
                  <td>{t(`permissions.${permission}`)}</td>
                  {roles.map((role) => (
                    <td key={role.id} className="text-center">
                      <input
                        type="checkbox"
                        name="grant"
                        value={`${role.id}:${permission}`}
                        defaultChecked={role.permissions.includes(permission)}
                        aria-label={`${role.name}: ${t(`permissions.${permission}`)}`}
                        className="h-4 w-4 accent-brand-600"
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <FormMessage />
        <SubmitButton>{t("common.save")}</SubmitButton>
      </ActionForm>

      <ActionForm action={createRoleAction} className="card flex items-end gap-3" resetOnSuccess>
        <div className="flex-1">
          <label htmlFor="role-name">{t("rights.roleName")}</label>
          <input id="role-name" name="name" type="text" maxLength={60} />
          <FieldError name="name" />
        </div>
        <SubmitButton className="btn-secondary">{t("rights.addRole")}</SubmitButton>
        <div className="w-72">
          <FormMessage />
        </div>
      </ActionForm>
    </div>
  );
}
