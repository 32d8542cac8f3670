import { loadAuditEntryBatches } from "@/lib/audit/data.ts";
import { auditCsvStream } from "@/lib/audit/export.ts";
import { saveAuditExport } from "@/lib/audit/mutations.ts";
import { parseAuditSearch } from "@/lib/audit/schema.ts";
import { Permission } from "@/lib/auth/permissions.ts";
import { actorOf, getCurrentUser } from "@/lib/auth/session.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";

/**
 * GET /audit/export?wie=…&wat=…: the filtered audit trail as CSV (lib/audit/export.ts), streamed
 * batch by batch. The right is checked here against the database, like every page; a filter
 * that does not pass is refused (400) rather than exporting something else than was asked for;
 * the export itself is recorded before the first row leaves.
 */
export async function GET(request: Request): Promise<Response> {
  const t = await getT();
  const user = await getCurrentUser();
  if (!user) return text(t("login.expired"), 401);
  if (!user.permissions.has(Permission.AUDIT_VIEW)) return text(t("common.forbiddenBody"), 403);
  const { filter, problems } = parseAuditSearch(Object.fromEntries(new URL(request.url).searchParams));
  if (problems.length > 0) {
    return text(t("audit.filters.invalid", { problems: problems.map((problem) => t(`audit.filters.problems.${problem}`)).join("; ") }), 400);
  }
  await saveAuditExport(await actorOf(user), filter);
  const locale = await getLocale();
  const day = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Amsterdam" });
  return new Response(auditCsvStream(loadAuditEntryBatches(filter), t, locale), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audittrail-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

function text(body: string, status: number): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}
