import type { Translate } from "@/lib/i18n/translate.ts";
import { Sparkline } from "./chart.tsx";

/** Hand-overs per hour of the last 24 hours under a server's name on Mailserver beheer; its label is the text alternative. */
export function ServerSparkline({ values, t }: { values: number[]; t: Translate }) {
  const total = values.reduce((sum, value) => sum + value, 0);
  return <Sparkline values={values} label={t("stats.sparkline", { total })} />;
}
