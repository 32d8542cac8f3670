import { ForbiddenCard, StandalonePage } from "@/lib/ui/error-pages.tsx";

/**
 * forbidden() outside the admin layout. forbidden() takes no arguments: the card finds the
 * missing right from the requested path, which proxy.ts passes on, in the table that
 * requirePagePermission's callers are checked against (lib/auth/page-permissions.ts).
 */
export default function Forbidden() {
  return (
    <StandalonePage>
      <ForbiddenCard />
    </StandalonePage>
  );
}
