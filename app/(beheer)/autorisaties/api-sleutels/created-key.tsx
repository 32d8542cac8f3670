"use client";

import { FormMessage, useActionResult } from "@/lib/ui/form.tsx";

/** The new key, shown once in the action's response; it is never stored or shown again. */
export function CreatedKey() {
  const result = useActionResult<{ key: string }>();
  return (
    <div className="space-y-2">
      <FormMessage />
      {result?.ok && result.data?.key ? (
        <code data-testid="new-api-key" className="block rounded bg-slate-900 p-3 font-mono text-sm break-all text-white select-all">
          {result.data.key}
        </code>
      ) : null}
    </div>
  );
}
