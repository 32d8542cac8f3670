import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { loadRoles } from "@/lib/rights/data.ts";
import { ActionForm, FieldError, FormMessage, SubmitButton, TextField } from "@/lib/ui/form.tsx";
import { Table } from "@/lib/ui/table.tsx";
import { createUserAction, setUserActiveAction, setUserRolesAction } from "@/lib/users/actions.ts";
import { loadUsers } from "@/lib/users/data.ts";

export default async function UsersPage() {
  const me = await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const [users, roles] = await Promise.all([loadUsers(), loadRoles()]);
  return (
    <div className="space-y-6">
      <h1>{t("users.title")}</h1>
      <Table card columns={[t("users.name"), t("users.email"), t("users.roles"), t("common.status")]} rows={users}>
        {(user) => (
          <tr key={user.id} data-testid={`user-${user.email}`}>
            <td>
              {user.name}
              {user.id === me.id ? <span className="ml-1 text-xs text-slate-500">({t("users.you")})</span> : null}
            </td>
            <td>{user.email}</td>
            <td>
              <ActionForm action={setUserRolesAction} className="flex flex-wrap items-center gap-3">
                <input type="hidden" name="userId" value={user.id} />
                {roles.map((role) => (
                  <label key={role.id} className="flex items-center gap-1 font-normal">
                    <input type="checkbox" name="roles" value={role.id} defaultChecked={user.roleIds.includes(role.id)} className="accent-brand-600" />
                    {role.name}
                  </label>
                ))}
                <SubmitButton className="btn-secondary">{t("users.saveRoles")}</SubmitButton>
                <FormMessage />
              </ActionForm>
            </td>
            <td>
              <ActionForm action={setUserActiveAction} className="space-y-1">
                <input type="hidden" name="userId" value={user.id} />
                <input type="hidden" name="active" value={user.active ? "false" : "true"} />
                <span className={user.active ? "text-brand-700" : "text-slate-500"}>{user.active ? t("common.active") : t("common.inactive")}</span>{" "}
                {user.id !== me.id ? (
                  <SubmitButton className={user.active ? "btn-danger" : "btn-secondary"}>
                    {user.active ? t("users.deactivate") : t("users.activate")}
                  </SubmitButton>
                ) : null}
                <FormMessage />
              </ActionForm>
            </td>
          </tr>
        )}
      </Table>

      <ActionForm action={createUserAction} className="card space-y-4" resetOnSuccess testId="create-user">
        <h2>{t("users.newUser")}</h2>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
          <TextField name="name" id="new-user-name" label={t("users.name")} input={{ maxLength: 120 }} />
          <TextField name="email" id="new-user-email" label={t("users.email")} input={{ type: "email", maxLength: 254 }} />
          <TextField
            name="password"
            id="new-user-password"
            label={t("users.password")}
            hint={t("users.passwordHint")}
            input={{ type: "password", autoComplete: "new-password" }}
          />
        </div>
        <fieldset className="flex flex-wrap gap-4">
          <legend className="text-sm font-medium text-slate-700">{t("users.roles")}</legend>
          {roles.map((role) => (
            <label key={role.id} className="flex items-center gap-1 font-normal">
              <input type="checkbox" name="roles" value={role.id} className="accent-brand-600" />
              {role.name}
            </label>
          ))}
        </fieldset>
        <FieldError name="roles" />
        <FormMessage />
        <SubmitButton>{t("users.create")}</SubmitButton>
      </ActionForm>
    </div>
  );
}
