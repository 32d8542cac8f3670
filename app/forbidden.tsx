import Link from "next/link";
import { getT } from "@/lib/i18n/server.ts";

export default async function Forbidden() {
  const t = await getT();
  return (
    <main className="mx-auto max-w-xl p-10">
      <div className="card">
        <h1>{t("common.forbiddenTitle")}</h1>
        <p className="mt-2 text-slate-600">{t("common.forbiddenBody")}</p>
        <p className="mt-4">
          <Link href="/">{t("common.backHome")}</Link>
        </p>
      </div>
    </main>
  );
}
