import { formatDate, formatDateTime } from "@/lib/i18n/format.ts";
import { isMessageKey, type Locale, type Translate } from "@/lib/i18n/translate.ts";

/** One changed field as people read it: "Poort: 25 → 587". `before` is null for a new value. */
export type FieldChange = { field: string; before: string | null; after: string | null };

const MASKED = "••••";
const ISO_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Catalog prefix of the fields whose values are codes. */
const VALUE_LABELS: Record<string, string> = {
  managedBy: "mailservers.managedByOptions",
  carries: "templates.carriesOptions",
  tlsMode: "mailservers.tls",
  authMethod: "mailservers.auth",
  type: "audit.serverTypes",
  status: "logging.status",
  permissions: "permissions",
  window: "mailservers.limits.window",
  unit: "mailservers.limits.unitOption",
  failedStep: "mailservers.probe.steps",
};

function translated(t: Translate, key: string, fallback: string): string {
  return isMessageKey(key) ? t(key) : fallback;
}

function fieldLabel(field: string, t: Translate): string {
  return translated(t, `audit.fields.${field}`, field);
}

/** "30/MINUTE/MESSAGES" or "1000/5xMINUTE/RECIPIENTS" (how a server's limits are stored in its entries) as "30 berichten per minuut". */
function limitText(value: string, t: Translate): string {
  const match = /^(\d+)\/(?:(\d+)x)?(SECOND|MINUTE|HOUR|DAY)\/(MESSAGES|RECIPIENTS)$/.exec(value);
  if (!match) return value;
  const [, count, size, window, unit] = match as unknown as [string, string, string | undefined, string, string];
  const windowText =
    size && size !== "1"
      ? `${size} ${translated(t, `mailservers.limits.windowPlural.${window}`, window)}`
      : translated(t, `mailservers.limits.window.${window}`, window);
  return t("mailservers.limits.sentence", { count, unit: translated(t, `mailservers.limits.unitOption.${unit}`, unit), window: windowText });
}

/** A stored value in the reader's language: codes through the catalog, yes/no, Dutch time, masked secrets kept masked. */
export function valueText(field: string, value: unknown, t: Translate, locale: Locale): string {
  if (value === null || value === undefined || value === "") return "—";
  if (value === MASKED) return t("audit.values.masked");
  if (typeof value === "boolean") return t(value ? "common.yes" : "common.no");
  if (typeof value === "number") return value.toLocaleString(locale === "nl" ? "nl-NL" : "en-GB");
  if (Array.isArray(value)) {
    if (value.length === 0) return "—";
    return value.map((item) => itemText(field, item, t, locale)).join(", ");
  }
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, inner]) => `${fieldLabel(key, t)}: ${valueText(key, inner, t, locale)}`)
      .join(", ");
  }
  const text = String(value);
  if (field === "state") return translated(t, `senders.state.${text.toLowerCase()}`, text);
  if ((field === "route" || field === "from") && text === "platform") return t("audit.values.platform");
  const prefix = VALUE_LABELS[field];
  if (prefix) return translated(t, `${prefix}.${text}`, text);
  if (ISO_MOMENT.test(text)) return formatDateTime(new Date(text), locale);
  if (ISO_DAY.test(text)) return formatDate(text, locale);
  return text;
}

function itemText(field: string, item: unknown, t: Translate, locale: Locale): string {
  if (field === "limits" && typeof item === "string") return limitText(item, t);
  if (field === "steps" && item && typeof item === "object") {
    // A connection test's step: "Adres opzoeken: mislukt (421)".
    const step = item as { step?: string; ok?: boolean; code?: string | number | null };
    const name = translated(t, `mailservers.probe.steps.${step.step}`, String(step.step));
    return `${name}: ${t(step.ok ? "audit.values.stepOk" : "audit.values.stepFailed")}${step.code ? ` (${step.code})` : ""}`;
  }
  return valueText(field, item, t, locale);
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The fields an entry changed, labelled from the catalog: for a change the fields whose value
 * differs (old → new), for a new thing its values, for a removed one what it was. The server id
 * and test timings are left out: they say nothing to a reader.
 */
export function describeChanges(before: unknown, after: unknown, t: Translate, locale: Locale): FieldChange[] {
  const old = asRecord(before);
  let now = asRecord(after);
  // A template's route is stored as "from" before and as its new server and sender (or "platform") after.
  if (old && Object.hasOwn(old, "from") && now && !Object.hasOwn(now, "from")) {
    const { route, server, sender, ...rest } = now;
    now = { from: route ?? `${String(server)} / ${String(sender ?? "—")}`, ...rest };
  }
  const fields = [...new Set([...Object.keys(old ?? {}), ...Object.keys(now ?? {})])].filter((field) => field !== "serverId");
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const hadBefore = old !== null && Object.hasOwn(old, field);
    const hasAfter = now !== null && Object.hasOwn(now, field);
    const oldValue = old?.[field];
    let newValue = now?.[field];
    if (hadBefore && hasAfter && same(oldValue, newValue)) continue;
    // A connection test's steps without their timings.
    if (field === "steps" && Array.isArray(newValue)) newValue = (newValue as Record<string, unknown>[]).map(({ step, ok, code }) => ({ step, ok, code }));
    changes.push({
      field: fieldLabel(field, t),
      before: hadBefore ? valueText(field, oldValue, t, locale) : null,
      after: hasAfter ? valueText(field, newValue, t, locale) : now === null ? "—" : null,
    });
  }
  return changes;
}

/** "Poort: 25 → 587; Naam: Exchange" — one line, for the CSV export. */
export function changesText(changes: FieldChange[]): string {
  return changes.map((c) => `${c.field}: ${c.before === null ? c.after : `${c.before} → ${c.after ?? "—"}`}`).join("; ");
}
