import { beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import type { MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { explainListMessages, listMessages, parseLogFilters, type ListMessagesOptions } from "@/lib/logging/data.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * The Logging over 100,000 seeded messages: filters return exactly the right rows, the cursor
 * walks without overlap or gaps, and every query shape is served by an index. Nothing here
 * measures time; the plan is what stays fast at millions of rows.
 */
const ROWS = 100_000;
const newest = new Date("2026-11-27T12:00:00.000Z");
let serverA: string;
let serverB: string;

beforeAll(async () => {
  await resetDatabase();
  const create = (name: string) =>
    testDb().mailServer.create({
      data: { name, type: "GENERIC", host: "smtp.example.nl", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
    });
  serverA = (await create("Kantoor")).id;
  serverB = (await create("Medische dienst")).id;
  const template = await testDb().masterTemplate.create({
    data: { key: "verzuim", name: "Verzuimmelding", carries: "WERKGEVER", htmlFrame: "{{inhoud}}", textFrame: "{{inhoud}}", serverId: serverA },
  });
  // Every tenth message goes the platform's own route, the rest alternate between two servers;
  // statuses, recipients (to, sometimes cc and bcc) and times vary with g. Times run ~58 days
  // back, roughly in submission order but not strictly, as with real clocks and retries.
  await testDb().$executeRaw`
    INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount",
                                   subject, text, "messageIdHeader", status, "attemptCount", "giveUpAt", "createdAt", "updatedAt", "templateId")
    SELECT gen_random_uuid(),
           (CASE WHEN g % 500 = 0 THEN 'TEST' ELSE 'APPLICATION' END)::"MessageKind",
           CASE WHEN g % 10 = 9 THEN NULL WHEN g % 2 = 0 THEN ${serverA}::uuid ELSE ${serverB}::uuid END,
           'Verzuim', 'verzuim@klant.example',
           ARRAY['klant' || (g % 1000) || '@example.nl'],
           CASE WHEN g % 7 = 0 THEN ARRAY['klant' || ((g / 7) % 1000) || '@example.nl'] ELSE '{}' END,
           CASE WHEN g % 13 = 0 THEN ARRAY['klant' || ((g / 13) % 1000) || '@example.nl'] ELSE '{}' END,
           1, 'Bericht ' || g, 'Tekst ' || g, '<' || g || '@klant.example>',
           (CASE WHEN g % 97 = 0 THEN 'FAILED' WHEN g % 89 = 0 THEN 'QUEUED' WHEN g % 83 = 0 THEN 'RETRYING'
                 WHEN g % 53 = 0 THEN 'DEFERRED' WHEN g % 211 = 0 THEN 'CANCELLED' ELSE 'SENT' END)::"MessageStatus",
           1 + g % 3,
           ${newest}::timestamptz,
           ${newest}::timestamptz - ((${ROWS}::int - g) * interval '50 seconds') - ((g % 17) * interval '1 minute'),
           ${newest}::timestamptz,
           CASE WHEN g % 3 = 0 THEN ${template.id}::uuid END
      FROM generate_series(1, ${ROWS}::int) AS g`;
  await testDb().$executeRawUnsafe(`ANALYZE "OutboundMessage"`);
}, 120_000);

/** Every page of a listing, following nextCursor to the end. */
async function walk(options: Omit<ListMessagesOptions, "before">) {
  const pages: Awaited<ReturnType<typeof listMessages>>["messages"][] = [];
  let before: bigint | undefined;
  for (;;) {
    const { messages, nextCursor } = await listMessages(testDb(), { ...options, before });
    pages.push(messages);
    if (nextCursor === null) return pages;
    expect(nextCursor).toBe(messages.at(-1)!.seq);
    before = nextCursor;
  }
}

/** The same selection through Prisma's query builder, newest first: the independent answer. */
async function expectedSeqs(where: Prisma.OutboundMessageWhereInput) {
  const rows = await testDb().outboundMessage.findMany({ where, orderBy: { seq: "desc" }, select: { seq: true } });
  return rows.map((row) => row.seq);
}

const recipientIs = (address: string): Prisma.OutboundMessageWhereInput => ({
  OR: [{ to: { has: address } }, { cc: { has: address } }, { bcc: { has: address } }],
});

describe("listing the delivery log", () => {
  it("pages through a server's 50,000 messages newest first, without overlap or gaps", async () => {
    const pages = await walk({ serverId: serverA, details: true, pageSize: 500 });
    const seqs = pages.flat().map((m) => m.seq);
    expect(pages.every((page) => page.length === 500)).toBe(true);
    expect(seqs).toEqual(await expectedSeqs({ serverId: serverA }));
    expect(seqs).toHaveLength(50_000);
  });

  it("shows 50 per page by default, and the platform's own route when serverId is null", async () => {
    const { messages, nextCursor } = await listMessages(testDb(), { serverId: null, details: true });
    expect(messages).toHaveLength(50);
    expect(nextCursor).toBe(messages.at(-1)!.seq);
    expect(messages.map((m) => m.seq)).toEqual((await expectedSeqs({ serverId: null })).slice(0, 50));
  });

  it("returns each row with the columns the Logging shows", async () => {
    const { messages } = await listMessages(testDb(), { serverId: serverA, details: true, pageSize: 3 });
    const expected = await testDb().outboundMessage.findFirstOrThrow({ where: { serverId: serverA }, orderBy: { seq: "desc" } });
    expect(messages[0]).toEqual({
      id: expected.id,
      seq: expected.seq,
      kind: expected.kind,
      createdAt: expected.createdAt,
      fromName: "Verzuim",
      fromAddress: "verzuim@klant.example",
      recipients: [...expected.to, ...expected.cc, ...expected.bcc],
      subject: expected.subject,
      status: expected.status,
      attemptCount: expected.attemptCount,
      lastResponse: null,
      lastError: null,
      nextAttemptAt: null,
      deferredReason: null,
      possibleDuplicate: false,
      templateName: expected.templateId ? "Verzuimmelding" : null,
      progress: null,
    });
    expect(messages.some((m) => m.templateName === "Verzuimmelding")).toBe(true);
  });

  it.each<[string, MessageStatus[]]>([
    ["a rare status", ["FAILED"]],
    ["several statuses", ["QUEUED", "RETRYING", "DEFERRED"]],
    ["the common status", ["SENT"]],
  ])("filters on %s", async (_, statuses) => {
    const pageSize = statuses.includes("SENT") ? 500 : 50;
    const pages = await walk({ serverId: serverB, statuses, details: true, pageSize });
    const rows = pages.flat();
    expect(rows.every((m) => statuses.includes(m.status))).toBe(true);
    expect(rows.map((m) => m.seq)).toEqual(await expectedSeqs({ serverId: serverB, status: { in: statuses } }));
    expect(rows.length).toBeGreaterThan(pageSize);
  });

  it("filters on a period, from inclusive to exclusive", async () => {
    const from = new Date("2026-11-10T00:00:00.000Z");
    const to = new Date("2026-11-12T00:00:00.000Z");
    const rows = (await walk({ serverId: serverA, from, to, details: true })).flat();
    expect(rows.map((m) => m.seq)).toEqual(await expectedSeqs({ serverId: serverA, createdAt: { gte: from, lt: to } }));
    expect(rows.length).toBeGreaterThan(1000);
    expect(rows.every((m) => m.createdAt >= from && m.createdAt < to)).toBe(true);
  });

  it("finds a recipient in to, cc or bcc, ignoring case", async () => {
    const rows = (await walk({ serverId: serverA, recipient: "Klant8@Example.NL", details: true })).flat();
    expect(rows.map((m) => m.seq)).toEqual(await expectedSeqs({ serverId: serverA, ...recipientIs("klant8@example.nl") }));
    expect(rows.length).toBeGreaterThan(50);
    const inCcOrBcc = await testDb().outboundMessage.count({
      where: { serverId: serverA, NOT: { to: { has: "klant8@example.nl" } }, ...recipientIs("klant8@example.nl") },
    });
    expect(inCcOrBcc).toBeGreaterThan(0);
  });

  it("combines filters, and pages within them", async () => {
    const options = {
      serverId: serverA,
      statuses: ["SENT", "FAILED"] as MessageStatus[],
      from: new Date("2026-10-15T00:00:00.000Z"),
      to: new Date("2026-11-20T00:00:00.000Z"),
      recipient: "klant42@example.nl",
    };
    const rows = (await walk({ ...options, details: true, pageSize: 10 })).flat();
    expect(rows.map((m) => m.seq)).toEqual(
      await expectedSeqs({
        serverId: serverA,
        status: { in: options.statuses },
        createdAt: { gte: options.from, lt: options.to },
        ...recipientIs(options.recipient),
      }),
    );
    expect(rows.length).toBeGreaterThan(10);
  });

  it("masks recipients and hides subjects without Logging details bekijken", async () => {
    const { messages } = await listMessages(testDb(), { serverId: serverA, details: false, pageSize: 200 });
    expect(messages.every((m) => m.subject === null)).toBe(true);
    const recipients = messages.flatMap((m) => m.recipients);
    expect(recipients.length).toBeGreaterThan(200);
    expect(recipients.every((r) => /^k•••@example\.nl$/.test(r))).toBe(true);
  });

  it("does not search on recipient without Logging details bekijken, which would reveal who got mail", async () => {
    const masked = await listMessages(testDb(), { serverId: serverA, recipient: "klant7@example.nl", details: false });
    const unfiltered = await listMessages(testDb(), { serverId: serverA, details: false });
    expect(masked.messages.map((m) => m.seq)).toEqual(unfiltered.messages.map((m) => m.seq));
  });
});

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };

function planNodes(plan: unknown): PlanNode[] {
  const root = (plan as { Plan: PlanNode }[])[0]!.Plan;
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    nodes.push(node);
    node.Plans?.forEach(visit);
  };
  visit(root);
  return nodes;
}

describe("the query plan at 100,000 rows", () => {
  const shapes: [string, () => ListMessagesOptions][] = [
    ["no filter", () => ({ serverId: serverA, details: false })],
    ["no filter, deep in the log", () => ({ serverId: serverA, details: false, before: 1_000n })],
    ["the platform's own route", () => ({ serverId: null, details: false })],
    ["a status filter", () => ({ serverId: serverB, statuses: ["FAILED"], details: false })],
    ["several statuses", () => ({ serverId: serverB, statuses: ["SENT", "FAILED", "QUEUED"], details: false })],
    ["a period", () => ({ serverId: serverA, from: new Date("2026-10-10T00:00:00.000Z"), to: new Date("2026-10-11T00:00:00.000Z"), details: false })],
    ["a recipient", () => ({ serverId: serverA, recipient: "klant8@example.nl", details: true })],
    ["a recipient on the platform's route", () => ({ serverId: null, recipient: "klant9@example.nl", details: true })],
  ];

  it.each(shapes)("reads OutboundMessage through an index for %s", async (_, options) => {
    const nodes = planNodes(await explainListMessages(testDb(), options()));
    const onMessages = nodes.filter((node) => node["Relation Name"] === "OutboundMessage" || node["Index Name"]?.startsWith("OutboundMessage_"));
    expect(onMessages.filter((node) => node["Node Type"] === "Seq Scan")).toEqual([]);
    expect(onMessages.some((node) => /Index/.test(node["Node Type"]))).toBe(true);
  });

  it("never uses OFFSET", async () => {
    const plan = JSON.stringify(await explainListMessages(testDb(), { serverId: serverA, details: false, before: 90_000n }));
    expect(plan).not.toMatch(/Offset/i);
  });
});

describe("reading the filters from the URL", () => {
  it("keeps valid statuses, repeated or comma-separated, and drops the rest", () => {
    expect(parseLogFilters(new URLSearchParams("status=FAILED&status=queued,onzin&status=FAILED"))).toEqual({ statuses: ["FAILED", "QUEUED"] });
    expect(parseLogFilters({ status: ["SENT", "DROP TABLE"] })).toEqual({ statuses: ["SENT"] });
    expect(parseLogFilters({ status: "nee" })).toEqual({});
  });

  it("reads van and tot as whole days in Dutch time, tot inclusive, across a clock change", () => {
    // Summer time ends on 25 October 2026: that day starts at +02:00 and the next at +01:00.
    expect(parseLogFilters({ van: "2026-10-25", tot: "2026-10-25" })).toEqual({
      from: new Date("2026-10-24T22:00:00.000Z"),
      to: new Date("2026-10-25T23:00:00.000Z"),
    });
    expect(parseLogFilters({ van: "2026-01-31", tot: "2026-12-31" })).toEqual({
      from: new Date("2026-01-30T23:00:00.000Z"),
      to: new Date("2026-12-31T23:00:00.000Z"),
    });
  });

  it("ignores dates that do not exist or are not YYYY-MM-DD", () => {
    expect(parseLogFilters({ van: "2026-02-30", tot: "27-11-2026" })).toEqual({});
    expect(parseLogFilters(new URLSearchParams("van=gisteren&tot="))).toEqual({});
  });

  it("takes a recipient address in lower case and ignores anything that is not an address", () => {
    expect(parseLogFilters({ ontvanger: " Jan.Jansen@Klant.Example " })).toEqual({ recipient: "jan.jansen@klant.example" });
    expect(parseLogFilters({ ontvanger: "jan jansen" })).toEqual({});
  });

  it("accepts only a whole number as the cursor", () => {
    expect(parseLogFilters({ voor: "12345" })).toEqual({ before: 12345n });
    expect(parseLogFilters({ voor: "-1" })).toEqual({});
    expect(parseLogFilters({ voor: "99999999999999999999" })).toEqual({});
    expect(parseLogFilters({ voor: "1e9" })).toEqual({});
  });
});
