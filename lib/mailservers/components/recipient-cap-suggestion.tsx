import { type Locale, type Translate } from "@/lib/i18n/translate.ts";
import { formatNumber } from "@/lib/i18n/format.ts";
import { ActionButton } from "@/lib/ui/form.tsx";
import { applyRecipientCapSuggestionAction, dismissRecipientCapSuggestionAction } from "../actions.ts";

/** What the delivery engine learned from `452 4.5.3 too many recipients` (suggestRecipientCap in lib/delivery/data.ts). */
export type RecipientCapSuggestion = { observed: number; observations: number; configured: number | null };

/** "Deze server neemt maximaal N ontvangers per bericht aan (waargenomen)", with the button to set it as the cap. */
export function RecipientCapSuggestionBox({
  serverId,
  suggestion,
  canEdit,
  t,
  locale,
}: {
  serverId: string;
  suggestion: RecipientCapSuggestion | null;
  canEdit: boolean;
  t: Translate;
  locale: Locale;
}) {
  if (!suggestion) return null;
  const number = (n: number) => formatNumber(n, locale);
  const times = t("mailservers.learned.times", { count: suggestion.observations });
  return (
    <div className="space-y-2 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="recipient-cap-suggestion">
      <p className="font-medium">{t("mailservers.learned.recipientCap", { count: suggestion.observed })}</p>
      <p>
        {suggestion.configured === null
          ? t("mailservers.learned.recipientCapExplain", { times })
          : t("mailservers.learned.recipientCapExplainConfigured", { configured: number(suggestion.configured), times })}
      </p>
      {canEdit ? (
        <div className="flex flex-wrap items-center gap-3">
          <ActionButton action={applyRecipientCapSuggestionAction} fields={{ serverId }}>
            {t("mailservers.learned.recipientCapApply", { count: number(suggestion.observed) })}
          </ActionButton>
          <ActionButton action={dismissRecipientCapSuggestionAction} fields={{ serverId }} className="btn-secondary">
            {t("mailservers.learned.dismiss")}
          </ActionButton>
        </div>
      ) : null}
    </div>
  );
}
