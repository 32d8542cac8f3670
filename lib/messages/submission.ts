import { authenticateSubmission, forgetVerifiedKey } from "@/lib/apikeys/mutations.ts";
import { logger } from "@/lib/log/logger.ts";
import { fieldErrors, MAX_REQUEST_BYTES, submitSchema, type ApiErrorCode, type FieldError } from "./schema.ts";
import { InactiveApiKeyError, submitFromApi, UnknownTemplateError } from "./mutations.ts";

/**
 * `POST /api/v1/messages` without a framework: what the request says in, status, JSON body and
 * headers out. Two front doors call it with the same request: the Next.js route handler
 * (app/api/v1/messages/route.ts, under `next dev`) and the production web server's direct path
 * (lib/ops/web-server.ts), which skips Next.js's per-request work for this one route.
 */
export type SubmissionRequest = {
  authorization: string | null;
  contentType: string | null;
  contentLength: string | null;
  /** The body as it arrives: a Node request or a web ReadableStream are both async iterables of bytes. */
  body: AsyncIterable<Uint8Array> | null;
};

export type SubmissionAnswer = { status: number; body: unknown; headers?: Record<string, string> };

const UNAUTHORIZED = { "WWW-Authenticate": "Bearer" };

function failure(status: number, error: ApiErrorCode, extra: { fields?: FieldError[]; headers?: Record<string, string> } = {}): SubmissionAnswer {
  return { status, body: extra.fields ? { error, fields: extra.fields } : { error }, headers: extra.headers };
}

function isJson(contentType: string | null): boolean {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}

/** The body's bytes, or null when they exceed the limit: counts what is actually read, whatever Content-Length claimed. */
async function readLimited(request: SubmissionRequest, limit: number): Promise<Buffer | null> {
  if (request.contentLength !== null && Number(request.contentLength) > limit) return null;
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (return) cancels a web stream and destroys a Node request.
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
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
 * The application hands over one e-mail (SPEC §3). Checks run from cheapest to dearest, and every
 * refusal happens before anything is written; on success the message and its delivery job are
 * stored in one transaction. Bodies and keys never reach the log.
 */
export async function answerSubmission(request: SubmissionRequest): Promise<SubmissionAnswer> {
  try {
    const apiKey = await authenticateSubmission(request.authorization);
    if (!apiKey) return failure(401, "unauthorized", { headers: UNAUTHORIZED });

    if (!isJson(request.contentType)) return failure(415, "unsupported_media_type");

    const bytes = await readLimited(request, MAX_REQUEST_BYTES);
    if (bytes === null) return failure(413, "payload_too_large");

    const json = parseJson(bytes);
    if (!json.ok) return failure(400, "invalid_json");

    const parsed = submitSchema.safeParse(json.value);
    if (!parsed.success) return failure(400, "validation_failed", { fields: fieldErrors(parsed.error) });

    const result = await submitFromApi(apiKey, parsed.data);
    return { status: 202, body: { id: result.id, status: result.status }, headers: result.replayed ? { "Idempotent-Replayed": "true" } : undefined };
  } catch (error) {
    if (error instanceof UnknownTemplateError) return failure(422, "unknown_template");
    if (error instanceof InactiveApiKeyError) {
      forgetVerifiedKey(error.apiKeyId);
      return failure(401, "unauthorized", { headers: UNAUTHORIZED });
    }
    logger.error("message submission failed", { error });
    return failure(500, "internal_error");
  }
}
