import { NotFoundCard, StandalonePage } from "@/lib/ui/error-pages.tsx";

/** An address that matches no page: outside the admin layout, so with a banner and <main> of its own. */
export default function NotFound() {
  return (
    <StandalonePage>
      <NotFoundCard />
    </StandalonePage>
  );
}
