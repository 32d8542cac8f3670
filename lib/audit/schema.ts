import { z } from "zod";
import { isActionGroup, isAuditAction, ACTION_GROUPS, type AuditAction } from "./describe.ts";

/**
 * The audit trail's filter, from the page's GET search parameters (and the export's). Each field
 * is checked on its own: a field that does not pass is named to the reader and left out, the
 * rest of the filter still applies (a typo in a date does not show an unfiltered trail as if it
 * were filtered: the message says which field was not used).
 */
export type AuditFilter = {
  /** A user's id, or "system" for the entries the system wrote. */
  actor?: string;
  /** An action code or "group:<name>" (ACTION_GROUPS). */
  action?: string;
  serverId?: string;
  templateId?: string;
  /** Calendar days in Dutch time, both inclusive: "2026-12-01". */
  from?: string;
  to?: string;
};

/** Where the next page starts: after this entry, newest first. */
export type AuditCursor = { at: Date; id: bigint };

export type AuditFilterProblem = "actor" | "action" | "server" | "template" | "from" | "to" | "range" | "cursor";

const day = z.iso.date().refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));

/** The search parameters are Dutch like the Logging's (van, tot, voor); each field names its problem. */
const fields = {
  actor: z.union([z.uuid(), z.literal("system")]),
  action: z.string().refine((value) => isAuditAction(value) || (value.startsWith("group:") && isActionGroup(value.slice("group:".length)))),
  server: z.uuid(),
  template: z.uuid(),
  from: day,
  to: day,
  cursor: z
    .string()
    .regex(/^\d{1,15}-\d{1,19}$/)
    .transform((value): AuditCursor => {
      const [ms, id] = value.split("-") as [string, string];
      return { at: new Date(Number(ms)), id: BigInt(id) };
    }),
};

const PARAM_NAMES: Record<keyof typeof fields, string> = {
  actor: "wie",
  action: "wat",
  server: "server",
  template: "sjabloon",
  from: "van",
  to: "tot",
  cursor: "voor",
};

type SearchParams = Record<string, string | string[] | undefined>;

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

export const AUDIT_SEARCH_PARAMS = PARAM_NAMES;

export function parseAuditSearch(search: SearchParams): { filter: AuditFilter; cursor: AuditCursor | null; problems: AuditFilterProblem[] } {
  const filter: AuditFilter = {};
  const problems: AuditFilterProblem[] = [];
  const read = <K extends keyof typeof fields>(name: K): z.output<(typeof fields)[K]> | undefined => {
    const raw = single(search[PARAM_NAMES[name]]);
    if (raw === undefined) return undefined;
    const parsed = fields[name].safeParse(raw);
    if (parsed.success) return parsed.data as z.output<(typeof fields)[K]>;
    problems.push(name);
    return undefined;
  };
  filter.actor = read("actor");
  filter.action = read("action");
  filter.serverId = read("server");
  filter.templateId = read("template");
  filter.from = read("from");
  filter.to = read("to");
  if (filter.from && filter.to && filter.from > filter.to) {
    problems.push("range");
    delete filter.from;
    delete filter.to;
  }
  const cursor = read("cursor") ?? null;
  for (const key of Object.keys(filter) as (keyof AuditFilter)[]) if (filter[key] === undefined) delete filter[key];
  return { filter, cursor, problems };
}

/** The search parameters of a filter (and a page), for links: paging, the export. */
export function auditSearchParams(filter: AuditFilter, cursor?: AuditCursor | null): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.actor) params.set(PARAM_NAMES.actor, filter.actor);
  if (filter.action) params.set(PARAM_NAMES.action, filter.action);
  if (filter.serverId) params.set(PARAM_NAMES.server, filter.serverId);
  if (filter.templateId) params.set(PARAM_NAMES.template, filter.templateId);
  if (filter.from) params.set(PARAM_NAMES.from, filter.from);
  if (filter.to) params.set(PARAM_NAMES.to, filter.to);
  if (cursor) params.set(PARAM_NAMES.cursor, `${cursor.at.getTime()}-${cursor.id}`);
  return params;
}

/** The actions a filter's "what" stands for. */
export function actionsOf(action: string): AuditAction[] {
  if (action.startsWith("group:")) {
    const group = action.slice("group:".length);
    return isActionGroup(group) ? [...ACTION_GROUPS[group]] : [];
  }
  return isAuditAction(action) ? [action] : [];
}

const ZONE = "Europe/Amsterdam";

/**
 * Midnight at the start of a calendar day in Dutch time. The zone's offset is read at 00:00 UTC of
 * that day, which has the same offset as the local midnight (the clocks change at 02:00/03:00).
 */
export function startOfDutchDay(day: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  // Dutch time is ahead of UTC, so 00:00 UTC is 01:00 or 02:00 on the same day there: hour and minute are the offset.
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hourCycle: "h23", hour: "2-digit", minute: "2-digit" }).formatToParts(utcMidnight);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const offsetMinutes = get("hour") * 60 + get("minute");
  return new Date(utcMidnight.getTime() - offsetMinutes * 60_000);
}

/** The first moment after a calendar day (exclusive end of "tot en met"). */
export function endOfDutchDay(day: string): Date {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return startOfDutchDay(next.toISOString().slice(0, 10));
}
