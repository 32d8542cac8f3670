import { NextResponse } from "next/server";
import { authenticateApiKey } from "@/lib/apikeys/mutations.ts";
import { db } from "@/lib/db/client.ts";
import { getMessageForApi } from "@/lib/messages/data.ts";
import { noteApiKeyUse } from "@/lib/messages/submit.ts";
import { logger } from "@/lib/ops/logger.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** `GET /api/v1/messages/{id}`: status, route, recipients and attempts of a message the API accepted (messageStatusSchema). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const prisma = db();
    const apiKey = await authenticateApiKey(prisma, request.headers.get("authorization"));
    if (!apiKey) return NextResponse.json({ error: "unauthorized" }, { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
    await noteApiKeyUse(prisma, apiKey).catch((error: unknown) => logger.warn("could not note API key use", { apiKeyId: apiKey.id, error }));

    const { id } = await params;
    const message = await getMessageForApi(prisma, id);
    if (!message) return NextResponse.json({ error: "not_found" }, { status: 404 });
    return NextResponse.json(message);
  } catch (error) {
    logger.error("message status lookup failed", { error });
    return NextResponse.json({ error: "internal_error" }, { status: 500 });
  }
}
