import { ALL_PERMISSIONS, Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { createRoleAction, saveRoleMatrixAction } from "@/lib/rights/actions.ts";
import { loadRoles } from "@/lib/rights/data.ts";
import { ActionForm, FormMessage, SubmitButton, TextField } from "@/lib/ui/form.tsx";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { Table } from "@/lib/ui/table.tsx";

export default async function FeatureRightsPage() {
  await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const roles = await loadRoles();
  return (
    <div className="space-y-6">
      <PageHeader title={t("rights.title")} intro={t("rights.intro")} />
      <ActionForm action={saveRoleMatrixAction} className="card space-y-4" testId="rights-matrix">
        {roles.map((role) => (
          <input key={role.id} type="hidden" name="roles" value={role.id} />
        ))}
        <Table columns={[t("rights.permission"), ...roles.map((role) => ({ label: role.name, className: "text-center" }))]} rows={ALL_PERMISSIONS}>
          {(permission) => (
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
          )}
        </Table>
        <FormMessage />
        <SubmitButton>{t("common.save")}</SubmitButton>
      </ActionForm>

      <ActionForm action={createRoleAction} className="card flex items-end gap-3" resetOnSuccess>
        <TextField name="name" id="role-name" label={t("rights.roleName")} className="flex-1" input={{ maxLength: 60 }} />
        <SubmitButton className="btn-secondary">{t("rights.addRole")}</SubmitButton>
        <div className="w-72">
          <FormMessage />
        </div>
      </ActionForm>
    </div>
  );
}
