import { ForbiddenCard } from "@/lib/ui/error-pages.tsx";

/**
 * forbidden() in an admin page (requirePagePermission): inside the admin layout's <main>. Which
 * right was missing comes from the requested path (proxy.ts → lib/auth/page-permissions.ts),
 * since forbidden() cannot carry it.
 */
export default function Forbidden() {
  return <ForbiddenCard />;
}
