"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url.ts";
import { useT } from "@/lib/i18n/client.tsx";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const t = useT();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // False in the server's HTML, true once React runs here: until then the button stays disabled,
  // so a quick click or Enter never submits the form natively (which would put the password in a URL).
  const hydrated = useSyncExternalStore(
    () => () => {},
    () => true,
    () => false,
  );

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const result = await signIn("credentials", {
      redirect: false,
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    if (result?.ok && !result.error) {
      router.replace(safeCallbackPath(callbackUrl));
      router.refresh();
      return;
    }
    const throttled = /^throttled:(\d+)$/.exec(result?.error ?? "");
    setError(throttled ? t("login.throttled", { seconds: Number(throttled[1]) }) : t("login.invalid"));
    setBusy(false);
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      <div>
        <label htmlFor="email">{t("login.email")}</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      </div>
      <div>
        <label htmlFor="password">{t("login.password")}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {error ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn w-full justify-center" disabled={busy || !hydrated}>
        {busy ? t("login.busy") : t("login.submit")}
      </button>
    </form>
  );
}
