"use client";

import { FormMessage, useActionResult } from "@/lib/ui/form.tsx";

/** A new signing secret, shown once in the action's response; it is never shown again. */
export function ShownSecret() {
  const result = useActionResult<{ secret: string }>();
  return (
    <div className="space-y-2">
      <FormMessage />
      {result?.ok && result.data?.secret ? (
        <code data-testid="new-webhook-secret" className="block rounded bg-slate-900 p-3 font-mono text-sm break-all text-white select-all">
          {result.data.secret}
        </code>
      ) : null}
    </div>
  );
}
