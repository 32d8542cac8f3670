import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { changesText, describeChanges } from "./changes.ts";
import { actionLabel, describeAudit } from "./describe.ts";

/**
 * The CSV export of the audit trail, for the privacy officer's spreadsheet. Dutch Excel reads a
 * CSV with the list separator of the Windows region, which is ";" wherever the decimal separator
 * is "," (nl-NL): a comma-separated file would open as one column. The byte order mark makes
 * Excel read UTF-8 (names, "→", "••••"); a "sep=" line would make it ignore that mark, so there is
 * none. Lines end in CRLF (RFC 4180).
 */
export const CSV_SEPARATOR = ";";
const BOM = "\uFEFF";

/**
 * One cell. A value starting with = + - @ (or a tab or carriage return) would be run as a formula
 * by Excel and LibreOffice (CSV injection, OWASP): it gets a leading apostrophe, which shows as
 * text. A value with the separator, a quote or a line break is quoted, quotes doubled.
 */
export function csvCell(value: string): string {
  const neutral = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(neutral) || neutral !== neutral.trim() ? `"${neutral.replaceAll('"', '""')}"` : neutral;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(CSV_SEPARATOR)}\r\n`;
}

/** "2026-12-01 14:05:09" in Dutch time: sortable, and read as a date and time by Excel in any language. */
export function csvMoment(at: Date): string {
  return at.toLocaleString("sv-SE", { timeZone: "Europe/Amsterdam", hourCycle: "h23" });
}

type ExportEntry = {
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string | null;
  summary: string;
  params: unknown;
  before: unknown;
  after: unknown;
  clientAddress: string | null;
};

/** "Mailserver “Exchange”": the kind of thing and its name as the entry recorded it. */
export function objectText(entry: Pick<ExportEntry, "entityType" | "entityId" | "params">, t: Translate): string {
  const kind = entry.entityType in OBJECT_KEYS ? t(OBJECT_KEYS[entry.entityType as keyof typeof OBJECT_KEYS]) : entry.entityType;
  const params = entry.params && typeof entry.params === "object" ? (entry.params as Record<string, unknown>) : {};
  const name = [params.name, params.email, params.address].find((value) => typeof value === "string" && value);
  if (typeof name === "string") return `${kind} “${name}”`;
  return entry.entityId ? `${kind} ${entry.entityId}` : kind;
}

const OBJECT_KEYS = {
  User: "audit.objects.User",
  Role: "audit.objects.Role",
  ApiKey: "audit.objects.ApiKey",
  MailServer: "audit.objects.MailServer",
  MasterTemplate: "audit.objects.MasterTemplate",
  Sender: "audit.objects.Sender",
  OutboundMessage: "audit.objects.OutboundMessage",
  AuditEntry: "audit.objects.AuditEntry",
} as const;

export function actorText(entry: Pick<ExportEntry, "actorId" | "actorLabel">, t: Translate): string {
  return entry.actorId === null ? t("audit.system") : entry.actorLabel;
}

export function csvHeader(t: Translate): string {
  return csvLine([
    t("audit.csv.at"),
    t("audit.csv.actor"),
    t("audit.csv.action"),
    t("audit.csv.description"),
    t("audit.csv.object"),
    t("audit.csv.changes"),
    t("audit.csv.clientAddress"),
  ]);
}

export function csvRow(entry: ExportEntry, t: Translate, locale: Locale): string {
  return csvLine([
    csvMoment(entry.at),
    actorText(entry, t),
    actionLabel(entry.action, t),
    describeAudit(entry, t, locale),
    objectText(entry, t),
    changesText(describeChanges(entry.before, entry.after, t, locale)),
    entry.clientAddress ?? "",
  ]);
}

/**
 * The export as a stream: a batch is read from the database only when the reader asks for more
 * (pull), so a large trail never sits in memory and a slow download slows the reads down.
 */
export function auditCsvStream(batches: AsyncGenerator<ExportEntry[]>, t: Translate, locale: Locale): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(BOM + csvHeader(t)));
        return;
      }
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map((entry) => csvRow(entry, t, locale)).join("")));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}
