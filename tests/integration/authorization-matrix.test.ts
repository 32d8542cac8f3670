import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_PERMISSIONS, effectivePermissions, type Permission } from "@/lib/auth/permissions.ts";
import { config } from "@/lib/config.ts";
import type { CurrentUser } from "@/lib/auth/users.ts";
import { seed } from "@/lib/ops/seed.ts";
import { resetDatabase, testDb } from "../support/db.ts";

/**
 * Every server action × every permission, generated from the code: all `"use server"` modules
 * are found on disk and imported, and every action they export must be in ACTION_REGISTRY with
 * a permission. A user without that permission is refused (403) and nothing is written; with
 * only that permission the action is not refused for authorization. A new action cannot be
 * forgotten: it either registers a permission or this test fails.
 */
let currentUser: CurrentUser | null = null;

vi.mock("@/lib/auth/session.ts", () => ({
  getCurrentUser: async () => currentUser,
  actorOf: (user: CurrentUser) => ({ id: user.id, label: user.email }),
  requirePagePermission: async () => {
    throw new Error("pages are not under test here");
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }), headers: async () => new Headers() }));

/** Actions anyone may call, on purpose: choosing the language (a cookie, nothing stored). */
const PUBLIC_ACTIONS = new Set(["setLocaleAction"]);

async function filesUnder(dir: string, match: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "generated", ".next", ".next-test"].includes(entry.name)) out.push(...(await filesUnder(path, match)));
    } else if (match(entry.name)) out.push(path);
  }
  return out;
}

type ActionFn = ((previous: unknown, input: FormData) => Promise<{ ok: boolean; status?: number }>) & { actionName?: string; permission?: Permission };
const actions: { file: string; exportName: string; fn: ActionFn }[] = [];

async function rowCounts(): Promise<Record<string, number>> {
  const rows = await testDb().$queryRaw<{ table: string; count: number }[]>`
    SELECT relname AS table, n_live_tup::int AS count FROM pg_stat_user_tables WHERE schemaname = 'public'`;
  const counts: Record<string, number> = {};
  for (const { table } of rows) {
    const [row] = await testDb().$queryRawUnsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM "public"."${table}"`);
    counts[table] = row!.count;
  }
  return counts;
}

function userWith(permissions: Permission[], id: string): CurrentUser {
  return { id, email: "matrix@example.test", name: "Matrix", permissions: effectivePermissions(permissions) };
}

beforeAll(async () => {
  await resetDatabase();
  await seed(testDb(), { adminEmail: "matrix@example.test", adminPassword: "matrix-password-123" });
  const root = process.cwd();
  const candidates = await filesUnder(join(root, "lib"), (name) => /\.(ts|tsx)$/.test(name));
  candidates.push(...(await filesUnder(join(root, "app"), (name) => /\.(ts|tsx)$/.test(name))));
  for (const file of candidates) {
    const source = await readFile(file, "utf8");
    if (!/^["']use server["'];?/m.test(source.trimStart().split("\n")[0] ?? "")) continue;
    const exported = (await import(file)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(exported)) {
      if (typeof value === "function") actions.push({ file: relative(root, file), exportName, fn: value as ActionFn });
    }
  }
});

describe("the authorization matrix of server actions", () => {
  it("finds the server actions and knows a permission for every one", async () => {
    const { ACTION_REGISTRY } = await import("@/lib/ui/action.ts");
    expect(actions.length).toBeGreaterThanOrEqual(20);
    const guarded = actions.filter((a) => !PUBLIC_ACTIONS.has(a.exportName));
    // Every guarded export went through defineAction, which registered its name and permission.
    for (const action of guarded) expect(action.fn.actionName, `${action.file} ${action.exportName} does not use defineAction`).toBeTruthy();
    expect(ACTION_REGISTRY.size).toBe(guarded.length);
    for (const permission of ACTION_REGISTRY.values()) expect(ALL_PERMISSIONS).toContain(permission);
  });

  it("refuses every action to a user without its permission and writes nothing; lets the permission through", async () => {
    const admin = await testDb().user.findFirstOrThrow();
    const guarded = actions.filter((a) => !PUBLIC_ACTIONS.has(a.exportName));
    for (const action of guarded) {
      const name = action.fn.actionName!;
      const permission = action.fn.permission!;
      expect(permission, `${action.file} ${action.exportName} has no permission`).toBeDefined();
      for (const other of ALL_PERMISSIONS) {
        const granted = effectivePermissions([other]);
        if (granted.has(permission)) continue;
        currentUser = userWith([other], admin.id);
        const before = await rowCounts();
        const result = await action.fn(null, new FormData());
        expect(result, `${action.file} ${action.exportName} (${name}) with only ${other}`).toMatchObject({ ok: false, status: 403 });
        expect(await rowCounts(), `${name} wrote something for a user with only ${other}`).toEqual(before);
      }
      currentUser = null;
      expect(await action.fn(null, new FormData()), `${name} without a session`).toMatchObject({ ok: false, status: 401 });
      currentUser = userWith([permission], admin.id);
      const allowed = await action.fn(null, new FormData());
      expect(allowed.status, `${name} with ${permission}`).not.toBe(403);
    }
  });
});

describe("route handlers", () => {
  /** Routes that are public on purpose; every other route must refuse a request without credentials. */
  const PUBLIC_ROUTES = new Set(["app/api/health/route.ts", "app/api/v1/openapi.json/route.ts", "app/api/auth/[...nextauth]/route.ts"]);
  /** Routes that do not exist until configured (404); with their setting they refuse with 401 (metrics.test.ts). */
  const ABSENT_UNLESS_CONFIGURED = new Set(config().METRICS_TOKEN ? [] : ["app/api/metrics/route.ts"]);

  it("refuse a request without an API key, for every route that is not public on purpose", async () => {
    // Nor a session: the routes that serve signed-in pages (/api/live) take the session instead.
    currentUser = null;
    const root = process.cwd();
    const routes = (await filesUnder(join(root, "app"), (name) => name === "route.ts")).map((file) => relative(root, file));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const route of routes.filter((r) => !PUBLIC_ROUTES.has(r))) {
      const handlers = (await import(join(root, route))) as Record<string, (request: Request, context: unknown) => Promise<Response>>;
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => typeof handlers[m] === "function")) {
        const request = new Request("http://localhost/x", {
          method,
          headers: { "content-type": "application/json", origin: "http://evil.example" },
          body: method === "GET" ? undefined : "{}",
        });
        const response = await handlers[method]!(request, { params: Promise.resolve({ id: "00000000-0000-4000-8000-000000000000" }) });
        expect(response.status, `${method} ${route}`).toBe(ABSENT_UNLESS_CONFIGURED.has(route) ? 404 : 401);
      }
    }
  });
});
