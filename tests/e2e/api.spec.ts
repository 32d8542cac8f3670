import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { createApiKey } from "@/lib/apikeys/mutations.ts";
import { MAX_REQUEST_BYTES } from "@/lib/messages/schema.ts";
import { FIXED_RESPONSE_HEADERS } from "@/lib/ui/security-headers.ts";
import { db, resetWithUsers, withSecondApp } from "./support.ts";

/**
 * The production web server answers `POST /api/v1/messages` itself (lib/ops/web-server.ts), not
 * through Next.js. These tests hold it to the route handler's answers (tests/integration/api.test.ts)
 * and to the headers Next.js puts on everything else.
 */
const TEMPLATE = "verzuim-werkgever";
const valid = { template: TEMPLATE, to: ["jan@werknemer.example"], subject: "Uw ziekmelding", text: "Beste Jan" };
let key: string;

test.beforeEach(async () => {
  await resetWithUsers();
  key = (await createApiKey(db(), { id: null, label: "test" }, { name: "applicatie" })).key;
});

const messages = () => db().outboundMessage.count();

test("a submission is stored and answered with the same fixed headers as Next.js's answers", async ({ request }) => {
  const accepted = await request.post("/api/v1/messages", { headers: { authorization: `Bearer ${key}` }, data: valid });
  expect(accepted.status()).toBe(202);
  expect(accepted.headers()["content-type"]).toBe("application/json");
  const { id, status } = (await accepted.json()) as { id: string; status: string };
  expect(status).toBe("QUEUED");
  const stored = await db().outboundMessage.findUniqueOrThrow({ where: { id } });
  expect(stored).toMatchObject({ subject: valid.subject, to: valid.to, status: "QUEUED" });

  // GET /api/v1/messages/{id} is answered by Next.js (its route handler and next.config.ts's headers).
  const byNext = await request.get(`/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${key}` } });
  expect(byNext.status()).toBe(200);
  for (const { key: name, value } of FIXED_RESPONSE_HEADERS) {
    expect(accepted.headers()[name.toLowerCase()], name).toBe(value);
    expect(byNext.headers()[name.toLowerCase()], name).toBe(value);
  }

  // A query string does not change the route; the same idempotency key is the same message.
  const first = await request.post("/api/v1/messages?bron=test", { headers: { authorization: `Bearer ${key}` }, data: { ...valid, idempotencyKey: "k-1" } });
  const again = await request.post("/api/v1/messages", { headers: { authorization: `Bearer ${key}` }, data: { ...valid, idempotencyKey: "k-1" } });
  expect(first.status()).toBe(202);
  expect(again.status()).toBe(202);
  expect(again.headers()["idempotent-replayed"]).toBe("true");
  expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  expect(await messages()).toBe(2);
});

test("every refusal is the route handler's, and writes nothing", async ({ request }) => {
  const post = (headers: Record<string, string>, data: string | Buffer) => request.post("/api/v1/messages", { headers, data });
  const json = { "content-type": "application/json" };

  const noKey = await post(json, JSON.stringify(valid));
  expect(noKey.status()).toBe(401);
  expect(noKey.headers()["www-authenticate"]).toBe("Bearer");
  expect(await noKey.json()).toEqual({ error: "unauthorized" });

  const auth = { authorization: `Bearer ${key}` };
  const cases: [Record<string, string>, string | Buffer, number, string][] = [
    [{ ...auth, "content-type": "text/plain" }, JSON.stringify(valid), 415, "unsupported_media_type"],
    [{ ...auth, ...json }, Buffer.from("{niet json"), 400, "invalid_json"],
    [{ ...auth, ...json }, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 400, "invalid_json"],
    [{ ...auth, ...json }, JSON.stringify({ ...valid, to: ["geen-adres"] }), 400, "validation_failed"],
    [{ ...auth, ...json }, JSON.stringify({ ...valid, template: "bestaat-niet" }), 422, "unknown_template"],
    [{ ...auth, ...json }, Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20), 413, "payload_too_large"],
  ];
  for (const [headers, data, status, error] of cases) {
    const answer = await post(headers, data);
    expect(answer.status(), error).toBe(status);
    const body = (await answer.json()) as { error: string; fields?: { path: string }[] };
    expect(body.error).toBe(error);
    if (error === "validation_failed") expect(body.fields?.[0]?.path).toBe("to.0");
  }
  expect(await messages()).toBe(0);

  // Other methods and paths are Next.js's, as before.
  expect((await request.get("/api/v1/messages")).status()).toBe(405);
});

test("a chunked body over the limit is answered 413 while it is still being sent", async ({ baseURL }) => {
  const url = new URL("/api/v1/messages", baseURL);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = httpRequest(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    outgoing.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body }));
    });
    outgoing.on("error", reject);
    // Without Content-Length: the server counts what it reads. 64 KB chunks, up to twice the limit.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const more = () => {
      while (sent < 2 * MAX_REQUEST_BYTES) {
        sent += chunk.length;
        if (!outgoing.write(chunk)) return void outgoing.once("drain", more);
      }
      outgoing.end();
    };
    more();
  });
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toEqual({ error: "payload_too_large" });
  expect(await messages()).toBe(0);
});

test("its answers are counted in the API latency histogram of /api/metrics", async () => {
  const token = "metrics-token-for-the-api-test-0123456789";
  await withSecondApp("metrics", { METRICS_TOKEN: token }, async (url) => {
    const submit = (authorization: string) =>
      fetch(`${url}/api/v1/messages`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(valid) });
    expect((await submit(`Bearer ${key}`)).status).toBe(202);
    expect((await submit("Bearer onbekend")).status).toBe(401);
    const metrics = await (await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/postkamer_http_request_duration_seconds_count\{route="\/api\/v1\/messages",method="POST",status="202"\} 1\n/);
    expect(metrics).toMatch(/postkamer_http_request_duration_seconds_count\{route="\/api\/v1\/messages",method="POST",status="401"\} 1\n/);
  });
});
