import "server-only";
import { db, type Db } from "@/lib/db/client.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { MessageStatus, type MessageKind } from "@/lib/generated/prisma/enums.ts";
import { recipientStates, summarizeRecipients, type RecipientSummary } from "@/lib/delivery/recipients.ts";

export const LOG_PAGE_SIZE = 50;

/** Without "Logging details bekijken" recipients and subjects are masked (SPEC §1). */
export function maskAddress(address: string): string {
  const [local = "", domain = ""] = address.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}

/** A server's reply to one recipient often quotes the address ("550 5.1.1 <jan@…>: unknown"); masked, it stays masked there too. */
function maskAddressIn(text: string, address: string): string {
  const masked = maskAddress(address);
  return text.replace(new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), masked);
}

/**
 * How far a message got per recipient, for the list ("5 van 12 afgeleverd, 7 wachten"): only when
 * the server answered recipients differently, and not for a message that reached everyone.
 */
function recipientProgress(message: { to: string[]; cc: string[]; bcc: string[]; status: string; recipientOutcomes: unknown }): RecipientSummary | null {
  if (message.recipientOutcomes === null || message.recipientOutcomes === undefined) return null;
  const summary = summarizeRecipients(message);
  return summary.delivered === summary.total ? null : summary;
}

/** What the Logging can be narrowed to; every field is optional and absent means "all". */
export type LogFilters = {
  statuses?: MessageStatus[];
  /** createdAt ≥ from */
  from?: Date;
  /** createdAt < to */
  to?: Date;
  /** An exact address in to, cc or bcc (addresses are stored lower-case). */
  recipient?: string;
  /** Keyset cursor: only messages with a lower seq (older submissions). */
  before?: bigint;
};

export type ListMessagesOptions = LogFilters & {
  /** null: the platform's own delivery (the default route). */
  serverId: string | null;
  details: boolean;
  pageSize?: number;
};

type LogRow = {
  id: string;
  seq: bigint;
  kind: MessageKind;
  createdAt: Date;
  fromName: string;
  fromAddress: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  status: MessageStatus;
  attemptCount: number;
  lastResponse: string | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deferredReason: string | null;
  possibleDuplicate: boolean;
  recipientOutcomes: unknown;
  templateName: string | null;
};

/**
 * The delivery log of one server (or of the platform's own delivery when serverId is null),
 * newest first, keyset-paged on the submission sequence: a page costs the same at row 50 as at
 * row 5,000,000, where OFFSET would read and discard everything before it.
 */
export async function listMessages(prisma: Db, options: ListMessagesOptions) {
  const pageSize = pageSizeOf(options);
  const rows = await prisma.$queryRaw<LogRow[]>(listMessagesSql(options));
  // The outcomes name every recipient: only their counts leave this function.
  const page = rows.slice(0, pageSize).map(({ to, cc, bcc, subject, recipientOutcomes, ...row }) => ({
    ...row,
    recipients: [...to, ...cc, ...bcc].map((a) => (options.details ? a : maskAddress(a))),
    subject: options.details ? subject : null,
    progress: recipientProgress({ to, cc, bcc, status: row.status, recipientOutcomes }),
  }));
  return { messages: page, nextCursor: rows.length > pageSize ? page.at(-1)!.seq : null };
}

/** The plan PostgreSQL picks for listMessages' query, so tests can check it is served by indexes. */
export async function explainListMessages(prisma: Db, options: ListMessagesOptions): Promise<unknown> {
  const [row] = await prisma.$queryRaw<{ "QUERY PLAN": unknown }[]>(Prisma.sql`EXPLAIN (FORMAT JSON) ${listMessagesSql(options)}`);
  const plan = row?.["QUERY PLAN"];
  return typeof plan === "string" ? (JSON.parse(plan) as unknown) : plan;
}

function pageSizeOf(options: ListMessagesOptions): number {
  return Math.min(Math.max(Math.trunc(options.pageSize ?? LOG_PAGE_SIZE), 1), 500);
}

const COLUMNS = Prisma.sql`m.id, m.seq, m.kind, m."createdAt", m."fromName", m."fromAddress", m."to", m.cc, m.bcc,
  m.subject, m.status, m."attemptCount", m."lastResponse", m."lastError", m."nextAttemptAt", m."deferredReason",
  m."possibleDuplicate", m."recipientOutcomes", m."templateId"`;

function listMessagesSql(options: ListMessagesOptions): Prisma.Sql {
  const limit = pageSizeOf(options) + 1;
  // `= NULL` never matches and IS NOT DISTINCT FROM cannot use an index, so the route is spelled out.
  const route = (alias: Prisma.Sql) =>
    options.serverId === null ? Prisma.sql`${alias}."serverId" IS NULL` : Prisma.sql`${alias}."serverId" = ${options.serverId}::uuid`;
  const conditions: Prisma.Sql[] = [route(Prisma.raw("m"))];
  if (options.before !== undefined) conditions.push(Prisma.sql`m.seq < ${options.before}`);
  // A period is also turned into seq bounds through (serverId, createdAt): the planner assumes
  // createdAt and seq are unrelated and would walk the seq index through every newer row. The
  // hour of margin covers transactions whose start (createdAt) and insert (seq) lie apart; the
  // exact createdAt test stays.
  // With a recipient the GIN indexes lead and the hits are few; the bounds would only mislead.
  const bySeqBounds = !(options.recipient && options.details);
  if (options.from) {
    conditions.push(Prisma.sql`m."createdAt" >= ${options.from}::timestamptz`);
    if (bySeqBounds)
      conditions.push(Prisma.sql`m.seq > coalesce((SELECT b.seq FROM "OutboundMessage" b WHERE ${route(Prisma.raw("b"))}
      AND b."createdAt" < ${options.from}::timestamptz - interval '1 hour' ORDER BY b."createdAt" DESC LIMIT 1), 0)`);
  }
  if (options.to) {
    conditions.push(Prisma.sql`m."createdAt" < ${options.to}::timestamptz`);
    if (bySeqBounds)
      conditions.push(Prisma.sql`m.seq < coalesce((SELECT b.seq FROM "OutboundMessage" b WHERE ${route(Prisma.raw("b"))}
      AND b."createdAt" >= ${options.to}::timestamptz + interval '1 hour' ORDER BY b."createdAt" LIMIT 1), 9223372036854775807)`);
  }
  // An exact-address search would reveal who received mail that the masking hides, so it
  // needs the same right as seeing the addresses.
  if (options.recipient && options.details) {
    const wanted = Prisma.sql`ARRAY[${options.recipient.toLowerCase()}]::text[]`;
    // One containment test per list, so each can use its own GIN index (a BitmapOr of three).
    conditions.push(Prisma.sql`(m."to" @> ${wanted} OR m.cc @> ${wanted} OR m.bcc @> ${wanted})`);
  }
  const where = Prisma.join(conditions, " AND ");
  // For an address the planner would walk the seq index backwards hoping for early matches;
  // `seq + 0` makes it use the recipient indexes and sort the (few) hits instead.
  const order = options.recipient && options.details ? Prisma.sql`m.seq + 0 DESC` : Prisma.sql`m.seq DESC`;
  const statuses = [...new Set(options.statuses ?? [])];

  // With a status filter each status is read newest-first from (serverId, status, seq) and the
  // short lists merged: never more than (statuses × page) index entries, however rare or common
  // a status is. `status = ANY(…)` instead could not return rows in seq order from that index.
  const page =
    statuses.length === 0
      ? Prisma.sql`SELECT ${COLUMNS} FROM "OutboundMessage" m WHERE ${where} ORDER BY ${order} LIMIT ${limit}`
      : Prisma.sql`SELECT per_status.* FROM unnest(${statuses}::"MessageStatus"[]) AS wanted(status)
          CROSS JOIN LATERAL (
            SELECT ${COLUMNS} FROM "OutboundMessage" m
             WHERE ${where} AND m.status = wanted.status
             ORDER BY ${order} LIMIT ${limit}
          ) per_status
          ORDER BY per_status.seq DESC LIMIT ${limit}`;

  return Prisma.sql`SELECT page.id, page.seq, page.kind::text AS kind, page."createdAt", page."fromName", page."fromAddress",
      page."to", page.cc, page.bcc, page.subject, page.status::text AS status, page."attemptCount", page."lastResponse",
      page."lastError", page."nextAttemptAt", page."deferredReason", page."possibleDuplicate", page."recipientOutcomes",
      t.name AS "templateName"
    FROM (${page}) page
    LEFT JOIN "MasterTemplate" t ON t.id = page."templateId"
    ORDER BY page.seq DESC`;
}

const STATUS_VALUES = new Set<string>(Object.values(MessageStatus));
const CURSOR = /^\d{1,19}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Deliberately loose: the search is an exact match, so anything that is not an address just finds nothing.
const ADDRESS = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

type SearchParams = URLSearchParams | Record<string, string | string[] | undefined>;

/**
 * The Logging's filters from the page's URL (`status` repeated, `van`/`tot` as YYYY-MM-DD in
 * Dutch time with `tot` inclusive, `ontvanger`, `voor` the cursor). Invalid values are dropped
 * rather than refused: a hand-edited or stale link still shows a log.
 */
export function parseLogFilters(searchParams: SearchParams): LogFilters {
  const all = (name: string): string[] => {
    if (searchParams instanceof URLSearchParams) return searchParams.getAll(name);
    const value = searchParams[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const first = (name: string): string | undefined => all(name)[0]?.trim() || undefined;
  const filters: LogFilters = {};

  const statuses = [
    ...new Set(
      all("status")
        .flatMap((value) => value.split(","))
        .map((value) => value.trim().toUpperCase()),
    ),
  ];
  const valid = statuses.filter((value): value is MessageStatus => STATUS_VALUES.has(value));
  if (valid.length > 0) filters.statuses = valid;

  const from = startOfDutchDay(first("van"));
  if (from) filters.from = from;
  const to = startOfDutchDay(first("tot"), 1);
  if (to) filters.to = to;

  const recipient = first("ontvanger")?.toLowerCase();
  if (recipient && recipient.length <= 320 && ADDRESS.test(recipient)) filters.recipient = recipient;

  const cursor = first("voor");
  if (cursor && CURSOR.test(cursor) && BigInt(cursor) <= 9_223_372_036_854_775_807n) filters.before = BigInt(cursor);
  return filters;
}

const DUTCH_OFFSET = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Amsterdam", timeZoneName: "longOffset" });

/** Midnight in Europe/Amsterdam at the start of the given day (plus addDays), or undefined when it is no real date. */
function startOfDutchDay(value: string | undefined, addDays = 0): Date | undefined {
  const match = value ? DAY.exec(value) : null;
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utcMidnight = Date.UTC(year, month - 1, day);
  const check = new Date(utcMidnight);
  if (year < 2000 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const target = utcMidnight + addDays * 86_400_000;
  // Clocks change at 02:00/03:00 local time, so two hours before UTC midnight is still on the
  // offset that holds at local midnight.
  const name = DUTCH_OFFSET.formatToParts(new Date(target - 2 * 3_600_000)).find((part) => part.type === "timeZoneName")?.value ?? "GMT";
  const offset = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  const offsetMs = offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000 : 0;
  return new Date(target - offsetMs);
}

export async function getMessage(prisma: Db, id: string, details: boolean) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const message = await prisma.outboundMessage.findUnique({
    where: { id },
    select: {
      id: true,
      kind: true,
      serverId: true,
      server: { select: { name: true } },
      fromName: true,
      fromAddress: true,
      to: true,
      cc: true,
      bcc: true,
      subject: true,
      status: true,
      attemptCount: true,
      nextAttemptAt: true,
      messageIdHeader: true,
      lastResponse: true,
      lastError: true,
      createdAt: true,
      sentAt: true,
      giveUpAt: true,
      deferredReason: true,
      possibleDuplicate: true,
      recipientOutcomes: true,
      template: { select: { name: true } },
      attempts: { orderBy: { id: "desc" } },
    },
  });
  if (!message) return null;
  // The raw lists stay here: handing them on would undo the masking.
  const { to, cc, bcc, subject, recipientOutcomes, ...rest } = message;
  const mask = (address: string) => (details ? address : maskAddress(address));
  return {
    ...rest,
    recipients: [...to, ...cc, ...bcc].map(mask),
    subject: details ? subject : null,
    progress: recipientProgress({ to, cc, bcc, status: rest.status, recipientOutcomes }),
    /** Per recipient what the server answered; null when it answered all of them at once. */
    recipientOutcomes:
      recipientOutcomes === null
        ? null
        : recipientStates({ to, cc, bcc, status: rest.status, recipientOutcomes }).map(({ address, state, code, reply, at }) => ({
            address: mask(address),
            state,
            code: code ?? null,
            reply: reply === undefined ? null : details ? reply : maskAddressIn(reply, address),
            at: at ? new Date(at) : null,
          })),
  };
}

// Reads for pages, on this process's client: pages never touch the database client themselves.

export function loadMessages(options: ListMessagesOptions) {
  return listMessages(db(), options);
}

/** `details`: whether the reader may see addresses and subjects (LOG_DETAILS_VIEW). */
export function loadMessage(id: string, details: boolean) {
  return getMessage(db(), id, details);
}
