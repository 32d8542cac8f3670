import { redirect } from "next/navigation";

export default function Home() {
  redirect("/beheer/applicatieinstellingen/mailservers");
}
