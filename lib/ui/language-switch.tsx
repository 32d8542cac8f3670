import { setLocaleAction } from "@/lib/i18n/actions.ts";
import { getLocale, getT } from "@/lib/i18n/server.ts";
import { LOCALES } from "@/lib/i18n/translate.ts";

/** A plain form: works without JavaScript, and the choice is kept in a cookie for a year. */
export async function LanguageSwitch() {
  const locale = await getLocale();
  const t = await getT();
  return (
    <form action={setLocaleAction} className="flex items-center gap-1 text-xs text-slate-500">
      <span>{t("nav.language")}:</span>
      {LOCALES.map((code) => (
        <button
          key={code}
          name="locale"
          value={code}
          className={`rounded px-1.5 py-0.5 uppercase ${code === locale ? "bg-slate-200 font-semibold text-slate-800" : "hover:bg-slate-100"}`}
          aria-pressed={code === locale}
        >
          {code}
        </button>
      ))}
    </form>
  );
}
