import { Permission } from "./permissions.ts";

/**
 * Which right each page behind the sign-in asks for, by route (the app folder's path without
 * route groups; `[x]` is one path segment). The pages still pass their right to
 * requirePagePermission themselves; tests/integration/page-permissions.test.ts reads every
 * app/(beheer) page and fails when its right and this table disagree, or a page is missing here.
 *
 * Why a table: Next's forbidden() takes no arguments, so app/(beheer)/forbidden.tsx cannot be told
 * which check failed. proxy.ts passes the requested path on (request header PATHNAME_HEADER, always
 * overwritten there), and the 403 page looks the path up here to name the missing right.
 */
export const PAGE_PERMISSIONS: readonly (readonly [route: string, permission: Permission | null])[] = [
  ["/audit", Permission.AUDIT_VIEW],
  ["/autorisaties", null],
  ["/autorisaties/emails", Permission.RIGHTS_MANAGE],
  ["/autorisaties/gebruikers", Permission.RIGHTS_MANAGE],
  ["/autorisaties/api-sleutels", Permission.RIGHTS_MANAGE],
  ["/beheer/postvak", Permission.MAILSERVERS_EDIT],
  ["/beheer/applicatieinstellingen/logging", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/logging/[messageId]", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/platform", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/mailservers", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/mailservers/nieuw", Permission.MAILSERVERS_EDIT],
  ["/beheer/applicatieinstellingen/mailservers/[id]", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/mailservers/[id]/aanpassen", Permission.MAILSERVERS_EDIT],
  ["/beheer/applicatieinstellingen/mailservers/[id]/logging", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/mailservers/[id]/afzenders/[senderId]", Permission.MAILSERVERS_VIEW],
  ["/beheer/applicatieinstellingen/sjablonen", Permission.TEMPLATES_VIEW],
  ["/beheer/applicatieinstellingen/sjablonen/nieuw", Permission.TEMPLATES_EDIT],
  ["/beheer/applicatieinstellingen/sjablonen/[id]/aanpassen", Permission.TEMPLATES_EDIT],
];

/** The request header proxy.ts sets to the requested path, for the 403 page. */
export const PATHNAME_HEADER = "x-postkamer-pathname";

function matches(route: string, path: string): boolean {
  const want = route.split("/");
  const have = path.replace(/\/+$/, "").split("/");
  return want.length === have.length && want.every((segment, i) => (segment.startsWith("[") ? have[i] !== "" : segment === have[i]));
}

/**
 * The right a page at `path` asks for, or null when it asks for none or the path is unknown.
 * The route with the fewest parameters wins ("/mailservers/nieuw" is not server "nieuw").
 */
export function pagePermission(path: string): Permission | null {
  const params = (route: string) => route.split("[").length;
  const [best] = PAGE_PERMISSIONS.filter(([route]) => matches(route, path)).sort(([a], [b]) => params(a) - params(b));
  return best?.[1] ?? null;
}
