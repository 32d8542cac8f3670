"use client";

import { Bar, CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";

/** Colours of the product (app/globals.css brand, Tailwind's slate, red and amber). */
export const CHART_COLOURS = {
  brand: "#1f6f66",
  brandLight: "#8fc3bc",
  red: "#dc2626",
  amber: "#d97706",
  slate: "#475569",
} as const;

export type ChartSeries = { key: string; label: string; kind: "bar" | "line"; colour: string; stack?: string };
export type ChartReferenceLine = { value: number; label: string; colour: string };
export type ChartReferenceArea = { from: string; to: string; label: string };

/**
 * One chart of the statistics: bars and lines over labelled buckets, limits as dashed reference
 * lines, deferral periods as shaded areas. Recharts draws it in the browser (its 3.x line does not
 * draw SVG on the server); the server renders the title, the summary and the table beside it, and
 * this box keeps its height so nothing moves when the drawing appears.
 */
export function StatsChart({
  rows,
  series,
  lines = [],
  areas = [],
  height = 220,
  testId,
}: {
  rows: Record<string, string | number | null>[];
  series: ChartSeries[];
  lines?: ChartReferenceLine[];
  areas?: ChartReferenceArea[];
  height?: number;
  testId?: string;
}) {
  return (
    <div style={{ height }} className="w-full" data-testid={testId} aria-hidden="true">
      {/* No Recharts keyboard layer (tabindex on the SVG): the drawing is aria-hidden, the table beside it is the accessible version (axe aria-hidden-focus). */}
      <ComposedChart responsive accessibilityLayer={false} style={{ width: "100%", height }} data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid stroke="#e2e8f0" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 11, fill: CHART_COLOURS.slate }} interval="preserveStartEnd" minTickGap={16} />
        <YAxis tick={{ fontSize: 11, fill: CHART_COLOURS.slate }} allowDecimals={false} width={48} />
        <Tooltip contentStyle={{ fontSize: 12, borderRadius: 6 }} />
        {areas.map((area, index) => (
          <ReferenceArea key={`area-${index}`} x1={area.from} x2={area.to} fill={CHART_COLOURS.amber} fillOpacity={0.15} className="stats-deferral" />
        ))}
        {series.map((s) =>
          s.kind === "bar" ? (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.colour} stackId={s.stack} isAnimationActive={false} />
          ) : (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.colour} dot={false} strokeWidth={2} connectNulls isAnimationActive={false} />
          ),
        )}
        {lines.map((line) => (
          <ReferenceLine
            key={line.label}
            y={line.value}
            stroke={line.colour}
            strokeDasharray="6 4"
            ifOverflow="extendDomain"
            className="stats-limit-line"
            label={{ value: line.label, position: "insideTopLeft", fontSize: 11, fill: line.colour }}
          />
        ))}
      </ComposedChart>
    </div>
  );
}

/** The sparkline on Mailserver beheer: hand-overs per hour of the last day, no axes. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const rows = values.map((value, index) => ({ index, value }));
  return (
    <div className="h-8 w-24" role="img" aria-label={label} data-testid="sparkline">
      <ComposedChart width={96} height={32} accessibilityLayer={false} data={rows} margin={{ top: 2, right: 0, bottom: 2, left: 0 }}>
        <YAxis hide domain={[0, "dataMax"]} />
        <Bar dataKey="value" fill={CHART_COLOURS.brand} isAnimationActive={false} />
      </ComposedChart>
    </div>
  );
}
