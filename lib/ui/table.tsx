import type { ReactNode } from "react";

/** A header cell: its text, or its text with a class (e.g. "text-right" above numbers). */
export type Column = string | { label: string; className?: string };

/**
 * The screens' table: header cells, one `<tr>` per row from `children`, and a sentence instead
 * of an empty table when `empty` is given (`null`: nothing at all). It scrolls sideways inside
 * its box on a narrow screen (the page itself never does); `card` makes that box a card of its
 * own, otherwise it sits in the caller's card or section. The scrolling box takes keyboard focus
 * (tabIndex 0), so it can be scrolled without a mouse (WCAG 2.1.1, axe "scrollable-region-focusable").
 */
export function Table<T>({
  columns,
  rows,
  children,
  empty,
  card = false,
  testId,
}: {
  columns?: readonly Column[];
  rows: readonly T[];
  children: (row: T, index: number) => ReactNode;
  empty?: ReactNode;
  card?: boolean;
  testId?: string;
}) {
  const box = card ? "card overflow-x-auto" : "overflow-x-auto";
  if (rows.length === 0 && empty !== undefined) {
    if (empty === null) return null;
    return (
      <div className={box}>
        <p className={card ? "text-slate-600" : "text-sm text-slate-600"}>{empty}</p>
      </div>
    );
  }
  return (
    <div className={`${box} focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:outline-none`} tabIndex={0}>
      <table className="table" data-testid={testId}>
        {columns ? (
          <thead>
            <tr>
              {columns.map((column, index) =>
                typeof column === "string" ? (
                  <th key={index}>{column}</th>
                ) : (
                  <th key={index} className={column.className}>
                    {column.label}
                  </th>
                ),
              )}
            </tr>
          </thead>
        ) : null}
        <tbody>{rows.map((row, index) => children(row, index))}</tbody>
      </table>
    </div>
  );
}
