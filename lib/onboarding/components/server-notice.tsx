import type { Translate } from "@/lib/i18n/translate.ts";
import type { NoticeCode } from "@/lib/ui/notice-codes.ts";
import { PageNotice, type NextStep } from "@/lib/ui/notice.tsx";

/**
 * After "Opslaan" on the server form (`?melding=server-aangemaakt|server-opgeslagen`): what was
 * saved and the next step of the first run: test the connection while it has not passed, add a
 * sender while there is none. Other codes show nothing here.
 */
export function ServerNotice({
  notice,
  server,
  senderCount,
  canEdit,
  t,
}: {
  notice: NoticeCode | null;
  server: { id: string; name: string; lastTestOk: boolean | null };
  senderCount: number;
  canEdit: boolean;
  t: Translate;
}) {
  if (notice !== "server-aangemaakt" && notice !== "server-opgeslagen") return null;
  const page = `/beheer/applicatieinstellingen/mailservers/${server.id}`;
  const next: NextStep[] = [];
  if (canEdit && server.lastTestOk !== true) next.push({ label: t("notices.testConnection"), href: `${page}#verbinding-testen` });
  if (canEdit && senderCount === 0) next.push({ label: t("notices.addSender"), href: `${page}#afzender-toevoegen` });
  return <PageNotice code={notice} values={{ name: server.name }} next={next} closeHref={page} t={t} />;
}
