/**
 * "Structureel": limits held mail back on at least STRUCTURAL_DAYS different days of the last
 * STRUCTURAL_PERIOD_DAYS (Dutch calendar days). One burst, however large, is one day. Runs anywhere,
 * so the page can state the rule next to the warning.
 */
export const STRUCTURAL_DAYS = 3;
export const STRUCTURAL_PERIOD_DAYS = 7;
