import { timedRoute } from "@/lib/metrics/registry.ts";
import { answerSubmission } from "@/lib/messages/submission.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** A web stream's chunks; stopping early cancels the stream (the rest of the body is not read). */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * `POST /api/v1/messages` under Next.js (`next dev`, and any request the production web server
 * does not take itself): the same answer as the direct path in lib/ops/web-server.ts.
 */
export const POST = timedRoute("/api/v1/messages", async function POST(request: Request) {
  const answer = await answerSubmission({
    authorization: request.headers.get("authorization"),
    contentType: request.headers.get("content-type"),
    contentLength: request.headers.get("content-length"),
    body: request.body ? chunksOf(request.body) : null,
  });
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
});
