import Link from "next/link";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { db } from "@/lib/db/client.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { sendTestMessageAction } from "@/lib/templates/actions.ts";
import { TestMessageForm } from "@/lib/templates/components/test-message-form.tsx";
import { getTemplate, listTemplates } from "@/lib/templates/data.ts";
import { renderIntoFrame } from "@/lib/templates/render.ts";

export default async function TemplatesPage({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const user = await requirePagePermission(Permission.TEMPLATES_VIEW);
  const t = await getT();
  const locale = await getLocale();
  const { id } = await searchParams;
  const templates = await listTemplates(db());
  const selected = id ? await getTemplate(db(), id) : null;
  const canEdit = user.permissions.has(Permission.TEMPLATES_EDIT);
  const preview = selected
    ? renderIntoFrame(selected, { subject: t("templates.testSubject", { name: selected.name }), html: `<p>${t("templates.testBody")}</p>` })
    : null;
  const format = (date: Date) => date.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB", { timeZone: "Europe/Amsterdam" });

  return (
    <div className="space-y-4">
      <div className="flex items-start justify-between gap-4">
        <div>
          <h1>{t("templates.title")}</h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">{t("templates.intro")}</p>
        </div>
        {canEdit ? (
          <Link href="/beheer/applicatieinstellingen/sjablonen/nieuw" className="btn no-underline hover:no-underline">
            {t("templates.newTemplate")}
          </Link>
        ) : null}
      </div>
      <div className="flex gap-5">
        <nav className="card w-72 shrink-0 p-2" aria-label={t("templates.title")} data-testid="template-list">
          {templates.length === 0 ? <p className="p-3 text-sm text-slate-600">{t("templates.empty")}</p> : null}
          <ul>
            {templates.map((template) => (
              <li key={template.id}>
                <Link
                  href={`/beheer/applicatieinstellingen/sjablonen?id=${template.id}`}
                  className={`block rounded px-3 py-2 text-sm no-underline ${template.id === selected?.id ? "bg-brand-50 font-medium text-brand-900" : "text-slate-700 hover:bg-slate-50"}`}
                  aria-current={template.id === selected?.id ? "page" : undefined}
                >
                  {template.name}
                  <span className="block text-xs text-slate-500">
                    {t(`templates.carriesOptions.${template.carries}`)} · {template.server?.name ?? t("templates.platformDefault")}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="min-w-0 flex-1 space-y-4">
          {!selected ? (
            <p className="card text-slate-600">{t("templates.select")}</p>
          ) : (
            <>
              <section className="card space-y-3" data-testid="template-detail">
                <div className="flex items-start justify-between gap-4">
                  <div>
                    <h2 className="text-xl">{selected.name}</h2>
                    <p className="font-mono text-xs text-slate-500">{selected.key}</p>
                  </div>
                  {canEdit ? (
                    <Link href={`/beheer/applicatieinstellingen/sjablonen/${selected.id}/aanpassen`} className="btn no-underline hover:no-underline">
                      {t("templates.edit")}
                    </Link>
                  ) : null}
                </div>
                <dl className="grid grid-cols-3 gap-2 text-sm">
                  <dt className="text-slate-500">{t("templates.carries")}</dt>
                  <dd className="col-span-2">{t(`templates.carriesOptions.${selected.carries}`)}</dd>
                  <dt className="text-slate-500">{t("templates.currentServer")}</dt>
                  <dd className="col-span-2" data-testid="template-server">{selected.server?.name ?? t("templates.platformDefault")}</dd>
                  <dt className="text-slate-500">{t("templates.currentSender")}</dt>
                  <dd className="col-span-2" data-testid="template-sender">
                    {selected.sender ? `${selected.sender.displayName} <${selected.sender.address}>` : "—"}
                  </dd>
                </dl>
                {selected.privacyConsentAt && selected.privacyConsentServerId === selected.serverId ? (
                  <p className="inline-block rounded bg-amber-100 px-2 py-1 text-xs font-medium text-amber-900" data-testid="fg-badge">
                    {t("templates.fgBadge", { by: selected.privacyConsentByLabel ?? "?", at: format(selected.privacyConsentAt) })}
                  </p>
                ) : null}
              </section>
              {preview ? (
                <section className="card space-y-2">
                  <h2>{t("templates.preview")}</h2>
                  {/* sandbox without allowances: the frame's HTML can show, never run. */}
                  <iframe title={t("templates.preview")} sandbox="" srcDoc={preview.html ?? ""} className="h-72 w-full rounded border border-slate-200 bg-white" />
                </section>
              ) : null}
              {canEdit ? (
                <section className="card space-y-2">
                  <h2>{t("templates.testTitle")}</h2>
                  <TestMessageForm action={sendTestMessageAction} templateId={selected.id} />
                </section>
              ) : null}
            </>
          )}
        </div>
      </div>
    </div>
  );
}
