import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { PAGE_PERMISSIONS, pagePermission } from "@/lib/auth/page-permissions.ts";
import { Permission } from "@/lib/auth/permissions.ts";

const ADMIN = join(process.cwd(), "app", "(beheer)");

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pages(path);
    return name === "page.tsx" ? [path] : [];
  });
}

/** "app/(beheer)/beheer/x/[id]/page.tsx" → "/beheer/x/[id]" (route groups are not in the URL). */
function routeOf(file: string): string {
  const segments = relative(ADMIN, file).split(sep).slice(0, -1);
  return `/${segments.filter((segment) => !/^\(.*\)$/.test(segment)).join("/")}`;
}

/** The right the page's own check names: `requirePagePermission(Permission.X)`. */
function rightInSource(file: string): Permission | null {
  const match = /requirePagePermission\(\s*Permission\.([A-Z_]+)\s*\)/.exec(readFileSync(file, "utf8"));
  return match ? (match[1] as Permission) : null;
}

describe("the 403 page's table of page rights", () => {
  const files = pages(ADMIN);

  it("names, for every admin page, the right that page itself checks", () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const route = routeOf(file);
      expect(
        PAGE_PERMISSIONS.some(([known]) => known === route),
        `${route} is missing in lib/auth/page-permissions.ts`,
      ).toBe(true);
      expect(pagePermission(route.replace(/\[[^\]]+\]/g, "x1")), route).toBe(rightInSource(file));
    }
  });

  it("has no routes without a page", () => {
    const routes = new Set(files.map(routeOf));
    for (const [route] of PAGE_PERMISSIONS) expect(routes.has(route), route).toBe(true);
  });

  it("matches concrete paths, preferring a literal segment over a parameter", () => {
    expect(pagePermission("/beheer/applicatieinstellingen/mailservers/nieuw")).toBe(Permission.MAILSERVERS_EDIT);
    expect(pagePermission("/beheer/applicatieinstellingen/mailservers/3f0c/aanpassen")).toBe(Permission.MAILSERVERS_EDIT);
    expect(pagePermission("/beheer/applicatieinstellingen/mailservers/3f0c/")).toBe(Permission.MAILSERVERS_VIEW);
    expect(pagePermission("/autorisaties/gebruikers")).toBe(Permission.RIGHTS_MANAGE);
    expect(pagePermission("/beheer/applicatieinstellingen/mailservers//aanpassen")).toBeNull();
    expect(pagePermission("/elders")).toBeNull();
  });
});
