"use client";

import { FormMessage, useActionResult } from "@/lib/ui/form.tsx";

/**
 * A secret the action returns once (a new API key, a webhook signing secret): shown in the
 * action's response only, never stored in the clear or shown again. `field` names it in the
 * action's data.
 */
export function ShownOnce({ field, testId }: { field: string; testId: string }) {
  const result = useActionResult<Record<string, string>>();
  const value = result?.ok ? result.data?.[field] : undefined;
  return (
    <div className="space-y-2">
      <FormMessage />
      {value ? (
        <code data-testid={testId} className="block rounded bg-slate-900 p-3 font-mono text-sm break-all text-white select-all">
          {value}
        </code>
      ) : null}
    </div>
  );
}
