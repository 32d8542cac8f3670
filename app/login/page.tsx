import { redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/callback-url.ts";
import { getCurrentUser } from "@/lib/auth/session.ts";
import { getT } from "@/lib/i18n/server.ts";
import { LanguageSwitch } from "@/lib/ui/language-switch.tsx";
import { LoginForm } from "./login-form.tsx";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; signedOut?: string }> }) {
  if (await getCurrentUser()) redirect("/");
  const t = await getT();
  const params = await searchParams;
  // Only paths on this site: never send a user to another site after signing in.
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <div className="text-3xl font-bold text-brand-700">{t("app.name")}</div>
          <p className="mt-1 text-sm text-slate-500">{t("app.tagline")}</p>
        </div>
        <div className="card">
          <h1 className="mb-4 text-xl">{t("login.title")}</h1>
          {params.signedOut ? <p className="mb-3 rounded bg-brand-50 p-2 text-sm text-brand-900">{t("login.signedOut")}</p> : null}
          <LoginForm callbackUrl={callbackUrl} />
        </div>
        <div className="mt-4 flex justify-center">
          <LanguageSwitch />
        </div>
      </div>
    </main>
  );
}
