import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { listCaughtMail, mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";
import { PageHeader } from "@/lib/ui/page-header.tsx";

export const dynamic = "force-dynamic";

/** The mail catcher's inbox, for administrators, in embedded (local trial) mode only. */
export default async function InboxPage() {
  await requirePagePermission(Permission.MAILSERVERS_EDIT);
  if (!mailCatcherEnabled()) notFound();
  const t = await getT();
  const locale = await getLocale();
  const mails = await listCaughtMail();
  return (
    <div className="space-y-4">
      <PageHeader title={t("catcher.title")} intro={t("catcher.intro")} />
      {mails === null ? <p className="card text-red-700">{t("catcher.unavailable")}</p> : null}
      {mails?.length === 0 ? <p className="card text-slate-600">{t("catcher.empty")}</p> : null}
      {mails?.map((mail) => (
        <article key={mail.id} className="card space-y-2" data-testid="caught-mail">
          <h2 className="text-base">{mail.subject}</h2>
          <p className="text-xs text-slate-500">
            {t("catcher.from")}: {mail.from} · {t("catcher.to")}: {mail.to} · {t("catcher.received")}: {formatDateTime(mail.time, locale)}
          </p>
          {/* It scrolls, so it takes keyboard focus and has a name (WCAG 2.1.1); a group, not a landmark: subjects repeat. */}
          <pre
            tabIndex={0}
            role="group"
            aria-label={t("catcher.bodyLabel", { subject: mail.subject })}
            className="max-h-64 overflow-auto rounded bg-slate-50 p-3 text-xs break-words whitespace-pre-wrap focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:outline-none"
          >
            {mail.text}
          </pre>
        </article>
      ))}
    </div>
  );
}
