import type { ReactNode } from "react";

/** A page's title and the sentence under it; `children` on the right, e.g. "+ Nieuwe mailserver". */
export function PageHeader({ title, intro, children }: { title: ReactNode; intro?: ReactNode; children?: ReactNode }) {
  const heading = (
    <div>
      <h1>{title}</h1>
      {intro ? <p className="mt-1 max-w-2xl text-sm text-slate-600">{intro}</p> : null}
    </div>
  );
  if (!children) return heading;
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      {heading}
      {children}
    </div>
  );
}
