import { beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { answerMetrics } from "@/lib/metrics/data.ts";
import { processMetrics } from "@/lib/metrics/registry.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/** /api/metrics: a token or nothing, Prometheus' text format, and figures that follow the database. */
const TOKEN = "metrics-token-0123456789";

type Sample = { name: string; labels: Record<string, string>; value: number };

/** A small parser for Prometheus' text exposition format (what a scraper reads). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    const value = Number(match[3] === "+Inf" ? Infinity : match[3]);
    if (Number.isNaN(value)) throw new Error(`not a number: ${line}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const response = await answerMetrics(new Request("http://localhost/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }), TOKEN, testDb());
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

let serverId: string;
beforeEach(async () => {
  await resetDatabase();
  const server = await testDb().mailServer.create({
    data: { name: "Exchange klant", type: "GENERIC", host: "smtp.klant.example", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" },
  });
  serverId = server.id;
});

describe("GET /api/metrics", () => {
  it("does not exist without METRICS_TOKEN and refuses a wrong or missing token", async () => {
    const request = (authorization?: string) => new Request("http://localhost/api/metrics", { headers: authorization ? { authorization } : {} });
    expect((await answerMetrics(request(`Bearer ${TOKEN}`), undefined, testDb())).status).toBe(404);
    expect((await answerMetrics(request(), TOKEN, testDb())).status).toBe(401);
    expect((await answerMetrics(request("Bearer wrong-token-0123456789"), TOKEN, testDb())).status).toBe(401);
    expect((await answerMetrics(request(`Basic ${TOKEN}`), TOKEN, testDb())).status).toBe(401);
  });

  it("parses as Prometheus text and follows a delivery: queue, hand-overs, recipients, hand-over latency", async () => {
    const apiKeyId = (await createApiKey(testDb(), { id: null, label: "test" }, { name: "applicatie" })).id;
    const message = await testDb().outboundMessage.create({
      data: {
        kind: "APPLICATION",
        apiKeyId,
        serverId,
        fromName: "Verzuim",
        fromAddress: "verzuim@klant.example",
        to: ["jan@example.nl", "piet@example.nl"],
        cc: [],
        bcc: [],
        recipientCount: 2,
        subject: "Test",
        messageIdHeader: "<m@klant.example>",
        giveUpAt: new Date(Date.now() + 3600_000),
        createdAt: new Date(Date.now() - 90_000),
      },
    });
    const server = { server_id: serverId, server: "Exchange klant" };

    const before = await scrape();
    expect(value(before, "postkamer_queue_messages", server)).toBe(1);
    expect(value(before, "postkamer_queue_oldest_age_seconds", server)).toBeGreaterThanOrEqual(90);
    expect(value(before, "postkamer_messages", { ...server, status: "SENT" })).toBeUndefined();
    expect(value(before, "postkamer_server_paused", server)).toBe(0);

    await testDb().outboundMessage.update({ where: { id: message.id }, data: { status: "SENT", sentAt: new Date() } });
    await testDb().limitHit.create({ data: { serverId, reason: "THROTTLE_REPLY" } });
    await testDb().mailServer.update({ where: { id: serverId }, data: { pausedAt: new Date() } });
    processMetrics().handoverDuration.observe({ outcome: "sent" }, 0.2);

    const after = await scrape();
    expect(value(after, "postkamer_queue_messages", server)).toBe(0);
    expect(value(after, "postkamer_messages", { ...server, status: "SENT" })).toBe(1);
    expect(value(after, "postkamer_message_recipients_24h", { ...server, status: "SENT" })).toBe(2);
    expect(value(after, "postkamer_limit_hits", { ...server, reason: "THROTTLE_REPLY" })).toBe(1);
    expect(value(after, "postkamer_server_paused", server)).toBe(1);
    expect(value(after, "postkamer_smtp_handover_duration_seconds_count", { outcome: "sent" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "postkamer_webhook_deliveries", { status: "DEAD" })).toBe(0);
    expect(after.some((s) => s.name === "postkamer_jobs" || s.name === "postkamer_workers")).toBe(true);
  });
});
