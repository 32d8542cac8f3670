/**
 * Where to go after signing in: a path on this site, never another origin. A check on the raw
 * text misses what browsers forgive (`/\evil.example`, `/<tab>/evil.example`, `/.//evil.example`
 * all lead to evil.example), so the value is resolved the way a browser resolves it, against a
 * placeholder origin, and kept only when the origin did not change. The normalised path is
 * returned, so the browser has nothing left to read differently.
 */
const PLACEHOLDER_ORIGIN = "http://postkamer.invalid";

export function safeCallbackPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can normalise to "//host/…", which a browser reads as another host again.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  return path;
}
