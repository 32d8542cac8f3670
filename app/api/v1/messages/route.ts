import { timedRoute } from "@/lib/metrics/registry.ts";
import { authenticateSubmission, forgetVerifiedKey } from "@/lib/apikeys/mutations.ts";
import { fieldErrors, MAX_REQUEST_BYTES, submitSchema, type ApiErrorCode, type FieldError } from "@/lib/messages/schema.ts";
import { InactiveApiKeyError, submitFromApi, UnknownTemplateError } from "@/lib/messages/mutations.ts";
import { logger } from "@/lib/log/logger.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

function failure(status: number, error: ApiErrorCode, extra: { fields?: FieldError[]; headers?: HeadersInit } = {}) {
  const body = extra.fields ? { error, fields: extra.fields } : { error };
  return Response.json(body, { status, headers: extra.headers });
}

function isJson(contentType: string | null): boolean {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}

/** The body's bytes, or null when they exceed the limit: counts what is actually read, whatever Content-Length claimed. */
async function readLimited(request: Request, limit: number): Promise<Buffer | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return null;
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// Invalid UTF-8 is not JSON (RFC 8259 §8.1): fatal decoding refuses it instead of inventing U+FFFD.
// One decoder per process: without `stream`, each decode() call stands on its own.
const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/**
 * `POST /api/v1/messages`: the application hands over one e-mail (SPEC §3). Checks run from
 * cheapest to dearest, and every refusal happens before anything is written; on success the
 * message and its delivery job are stored in one transaction. Bodies and keys never reach the log.
 */
export const POST = timedRoute("/api/v1/messages", async function POST(request: Request) {
  try {
    const apiKey = await authenticateSubmission(request.headers.get("authorization"));
    if (!apiKey) return failure(401, "unauthorized", { headers: { "WWW-Authenticate": "Bearer" } });

    if (!isJson(request.headers.get("content-type"))) return failure(415, "unsupported_media_type");

    const bytes = await readLimited(request, MAX_REQUEST_BYTES);
    if (bytes === null) return failure(413, "payload_too_large");

    const json = parseJson(bytes);
    if (!json.ok) return failure(400, "invalid_json");

    const parsed = submitSchema.safeParse(json.value);
    if (!parsed.success) return failure(400, "validation_failed", { fields: fieldErrors(parsed.error) });

    const result = await submitFromApi(apiKey, parsed.data);
    return Response.json({ id: result.id, status: result.status }, { status: 202, headers: result.replayed ? { "Idempotent-Replayed": "true" } : undefined });
  } catch (error) {
    if (error instanceof UnknownTemplateError) return failure(422, "unknown_template");
    if (error instanceof InactiveApiKeyError) {
      forgetVerifiedKey(error.apiKeyId);
      return failure(401, "unauthorized", { headers: { "WWW-Authenticate": "Bearer" } });
    }
    logger.error("message submission failed", { error });
    return failure(500, "internal_error");
  }
});
