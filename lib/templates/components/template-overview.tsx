import Link from "next/link";
import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";
import { sendTestMessageAction } from "../actions.ts";
import type { loadTemplate, loadTemplates } from "../data.ts";
import { hasConsentFor } from "../privacy.ts";
import { renderIntoFrame } from "../render.ts";
import { PreviewFrame } from "./preview-frame.tsx";
import { TestMessageForm } from "./test-message-form.tsx";

type Templates = Awaited<ReturnType<typeof loadTemplates>>;
type Template = NonNullable<Awaited<ReturnType<typeof loadTemplate>>>;

/** "E-mail master sjablonen": the list, and the chosen template's route, FG consent, preview and test mail. */
export function TemplateOverview({
  templates,
  selected,
  canEdit,
  t,
  locale,
}: {
  templates: Templates;
  selected: Template | null;
  canEdit: boolean;
  t: Translate;
  locale: Locale;
}) {
  return (
    <div className="space-y-4">
      <PageHeader title={t("templates.title")} intro={t("templates.intro")}>
        {canEdit ? (
          <Link href="/beheer/applicatieinstellingen/sjablonen/nieuw" className="btn no-underline hover:no-underline">
            {t("templates.newTemplate")}
          </Link>
        ) : null}
      </PageHeader>
      <div className="flex flex-col gap-5 lg:flex-row">
        <nav className="card shrink-0 p-2 lg:w-72" aria-label={t("templates.title")} data-testid="template-list">
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
                  {/* slate-600, not 500: it must stay readable on the selected item's tint too (WCAG 1.4.3). */}
                  <span className="block text-xs text-slate-600">
                    {t(`templates.carriesOptions.${template.carries}`)} · {template.server?.name ?? t("templates.platformDefault")}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="min-w-0 flex-1 space-y-4">
          {selected ? (
            <TemplateDetail template={selected} canEdit={canEdit} t={t} locale={locale} />
          ) : (
            <p className="card text-slate-600">{t("templates.select")}</p>
          )}
        </div>
      </div>
    </div>
  );
}

function TemplateDetail({ template, canEdit, t, locale }: { template: Template; canEdit: boolean; t: Translate; locale: Locale }) {
  const preview = renderIntoFrame(template, { subject: t("templates.testSubject", { name: template.name }), html: `<p>${t("templates.testBody")}</p>` });
  return (
    <>
      <section className="card space-y-3" data-testid="template-detail">
        <div className="flex items-start justify-between gap-4">
          <div>
            <h2 className="text-xl">{template.name}</h2>
            <p className="font-mono text-xs text-slate-500">{template.key}</p>
          </div>
          {canEdit ? (
            <Link href={`/beheer/applicatieinstellingen/sjablonen/${template.id}/aanpassen`} className="btn no-underline hover:no-underline">
              {t("templates.edit")}
            </Link>
          ) : null}
        </div>
        <dl className="grid grid-cols-3 gap-2 text-sm">
          <dt className="text-slate-500">{t("templates.carries")}</dt>
          <dd className="col-span-2">{t(`templates.carriesOptions.${template.carries}`)}</dd>
          <dt className="text-slate-500">{t("templates.currentServer")}</dt>
          <dd className="col-span-2" data-testid="template-server">
            {template.server?.name ?? t("templates.platformDefault")}
          </dd>
          <dt className="text-slate-500">{t("templates.currentSender")}</dt>
          <dd className="col-span-2" data-testid="template-sender">
            {template.sender ? `${template.sender.displayName} <${template.sender.address}>` : "—"}
          </dd>
        </dl>
        {template.server && hasConsentFor(template, template.server.id) ? (
          <p className="inline-block rounded bg-amber-100 px-2 py-1 text-xs font-medium text-amber-900" data-testid="fg-badge">
            {t("templates.fgBadge", { by: template.privacyConsentByLabel ?? "?", at: formatDateTime(template.privacyConsentAt, locale) })}
          </p>
        ) : null}
      </section>
      <section className="card space-y-2">
        <h2>{t("templates.preview")}</h2>
        <PreviewFrame title={t("templates.preview")} html={preview.html ?? ""} />
      </section>
      {canEdit ? (
        <section className="card space-y-2">
          <h2>{t("templates.testTitle")}</h2>
          <TestMessageForm action={sendTestMessageAction} templateId={template.id} />
        </section>
      ) : null}
    </>
  );
}
