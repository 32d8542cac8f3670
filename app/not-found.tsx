import Link from "next/link";
import { getT } from "@/lib/i18n/server.ts";

export default async function NotFound() {
  const t = await getT();
  return (
    <main className="mx-auto max-w-xl p-10">
      <div className="card">
        <h1>{t("common.notFoundTitle")}</h1>
        <p className="mt-4">
          <Link href="/">{t("common.backHome")}</Link>
        </p>
      </div>
    </main>
  );
}
