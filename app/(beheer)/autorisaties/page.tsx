import { redirect } from "next/navigation";

export default function AutorisatiesPage() {
  redirect("/autorisaties/emails");
}
