import { NotFoundCard } from "@/lib/ui/error-pages.tsx";

/** notFound() in an admin page: rendered inside the admin layout's <main>, so no <main> here. */
export default function NotFound() {
  return <NotFoundCard />;
}
