import type { Translate } from "@/lib/i18n/translate.ts";
import type { SenderDisplayState } from "../state.ts";

const STYLE: Record<SenderDisplayState, string> = {
  pending: "bg-sky-50 text-sky-800",
  verified: "bg-brand-50 text-brand-800",
  expired: "bg-slate-100 text-slate-700",
  blocked: "bg-red-50 text-red-800",
  reverify: "bg-amber-50 text-amber-900",
};

export function SenderStateBadge({ state, t }: { state: SenderDisplayState; t: Translate }) {
  return (
    <span className={`rounded px-2 py-0.5 text-xs font-medium ${STYLE[state]}`} data-sender-state={state}>
      {t(`senders.state.${state}`)}
    </span>
  );
}
