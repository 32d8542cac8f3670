import { NextResponse } from "next/server";
import { timedRoute } from "@/lib/metrics/registry.ts";
import { authenticateApiCall } from "@/lib/apikeys/mutations.ts";
import { loadMessageForApi } from "@/lib/messages/data.ts";
import { logger } from "@/lib/log/logger.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** `GET /api/v1/messages/{id}`: status, route, recipients and attempts of a message the API accepted (messageStatusSchema). */
export const GET = timedRoute("/api/v1/messages/{id}", async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const apiKey = await authenticateApiCall(request.headers.get("authorization"));
    if (!apiKey) return NextResponse.json({ error: "unauthorized" }, { status: 401, headers: { "WWW-Authenticate": "Bearer" } });

    const { id } = await params;
    const message = await loadMessageForApi(id);
    if (!message) return NextResponse.json({ error: "not_found" }, { status: 404 });
    return NextResponse.json(message);
  } catch (error) {
    logger.error("message status lookup failed", { error });
    return NextResponse.json({ error: "internal_error" }, { status: 500 });
  }
});
