import { notFound } from "next/navigation";
import { Permission } from "@/lib/auth/permissions.ts";
import { requirePagePermission } from "@/lib/auth/session.ts";
import { formatDateTime } from "@/lib/i18n/format.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { listCaughtMail, mailCatcherEnabled } from "@/lib/mailcatcher/data.ts";

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
      <div>
        <h1>{t("catcher.title")}</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">{t("catcher.intro")}</p>
      </div>
      {mails === null ? <p className="card text-red-700">{t("catcher.unavailable")}</p> : null}
      {mails?.length === 0 ? <p className="card text-slate-600">{t("catcher.empty")}</p> : null}
      {mails?.map((mail) => (
        <article key={mail.id} className="card space-y-2" data-testid="caught-mail">
          <h2 className="text-base">{mail.subject}</h2>
          <p className="text-xs text-slate-500">
            {t("catcher.from")}: {mail.from} · {t("catcher.to")}: {mail.to} · {t("catcher.received")}:{" "}
            {formatDateTime(mail.time, locale)}
          </p>
          <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-3 text-xs whitespace-pre-wrap">{mail.text}</pre>
        </article>
      ))}
    </div>
  );
}
