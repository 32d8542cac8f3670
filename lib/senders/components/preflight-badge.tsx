import type { PreflightVerdict } from "@/lib/generated/prisma/enums.ts";
import type { Translate } from "@/lib/i18n/translate.ts";

const STYLE: Record<PreflightVerdict, string> = {
  PASS: "bg-emerald-50 text-emerald-800",
  RISK: "bg-amber-50 text-amber-900",
  FAIL: "bg-red-50 text-red-800",
};

/** "zal DMARC halen" / "risico" / "zal falen"; "nog niet gecontroleerd" before the first check. */
export function PreflightBadge({ verdict, t }: { verdict: PreflightVerdict | null; t: Translate }) {
  if (!verdict) {
    return (
      <span className="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-preflight-verdict="none">
        {t("senders.preflight.never")}
      </span>
    );
  }
  return (
    <span className={`rounded px-2 py-0.5 text-xs font-medium ${STYLE[verdict]}`} data-preflight-verdict={verdict}>
      {t(`senders.preflight.verdict.${verdict}`)}
    </span>
  );
}
