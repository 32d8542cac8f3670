import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getT } from "@/lib/i18n/server.ts";
import { listRoles } from "@/lib/rights/data.ts";
import { ActionForm, FieldError, FormMessage, SubmitButton } from "@/lib/ui/form.tsx";
import { createUserAction, setUserActiveAction, setUserRolesAction } from "@/lib/users/actions.ts";
import { listUsers } from "@/lib/users/data.ts";

export default async function UsersPage() {
  const me = await requirePagePermission(Permission.RIGHTS_MANAGE);
  const t = await getT();
  const [users, roles] = await Promise.all([listUsers(db()), listRoles(db())]);
  return (
    <div className="space-y-6">
      <h1>{t("users.title")}</h1>
      <div className="card overflow-x-auto">
        <table className="table">
          <thead>
            <tr>
              <th>{t("users.name")}</th>
              <th>{t("users.email")}</th>
              <th>{t("users.roles")}</th>
              <th>{t("common.status")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
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
                      <SubmitButton className={user.active ? "btn-danger" : "btn-secondary"}>{user.active ? t("users.deactivate") : t("users.activate")}</SubmitButton>
                    ) : null}
                    <FormMessage />
                  </ActionForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <ActionForm action={createUserAction} className="card space-y-4" resetOnSuccess testId="create-user">
        <h2>{t("users.newUser")}</h2>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
          <div>
            <label htmlFor="new-user-name">{t("users.name")}</label>
            <input id="new-user-name" name="name" type="text" maxLength={120} />
            <FieldError name="name" />
          </div>
          <div>
            <label htmlFor="new-user-email">{t("users.email")}</label>
            <input id="new-user-email" name="email" type="email" maxLength={254} />
            <FieldError name="email" />
          </div>
          <div>
            <label htmlFor="new-user-password">{t("users.password")}</label>
            <input id="new-user-password" name="password" type="password" autoComplete="new-password" />
            <p className="mt-1 text-xs text-slate-500">{t("users.passwordHint")}</p>
            <FieldError name="password" />
          </div>
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
