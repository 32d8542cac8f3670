import { NextResponse } from "next/server";
import { Permission } from "@/lib/auth/permissions.ts";
import { getCurrentUser } from "@/lib/auth/session.ts";
import { loadSenderLiveState, loadServerLiveState } from "@/lib/live/data.ts";

export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_STORE = { "cache-control": "no-store" };

/**
 * GET /api/live?server=<id> or ?sender=<id>: the fingerprint of what the server's or sender's page
 * shows about pending mail, for LiveRefresh. Same right as the pages: Mailservers inzien.
 */
export async function GET(request: Request) {
  const user = await getCurrentUser();
  if (!user) return NextResponse.json({ error: "unauthorized" }, { status: 401, headers: NO_STORE });
  if (!user.permissions.has(Permission.MAILSERVERS_VIEW)) return NextResponse.json({ error: "forbidden" }, { status: 403, headers: NO_STORE });
  const params = new URL(request.url).searchParams;
  const server = params.get("server");
  const sender = params.get("sender");
  if ((server === null) === (sender === null) || !UUID.test(server ?? sender ?? "")) {
    return NextResponse.json({ error: "give one server or sender id" }, { status: 400, headers: NO_STORE });
  }
  const state = server ? await loadServerLiveState(server) : await loadSenderLiveState(sender!);
  if (!state) return NextResponse.json({ error: "not found" }, { status: 404, headers: NO_STORE });
  return NextResponse.json({ version: state.version, pending: state.pending }, { headers: NO_STORE });
}
