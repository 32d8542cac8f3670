"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useT } from "@/lib/i18n/client.tsx";

const INTERVAL_MS = 2_000;

/**
 * Keeps a page with something pending up to date without a reload: while `pending`, asks
 * /api/live every 2 seconds for the fingerprint of what the page shows (lib/live/data.ts) and
 * re-renders the page (router.refresh, the server components only) when it differs from the
 * `version` the page was rendered with. The new render brings a new version and `pending`, so
 * polling stops by itself once nothing is pending; it also pauses while the tab is hidden.
 */
export function LiveRefresh({ source, version, pending }: { source: { server: string } | { sender: string }; version: string; pending: boolean }) {
  const router = useRouter();
  const t = useT();
  const query = new URLSearchParams(source).toString();

  useEffect(() => {
    if (!pending) return;
    let stopped = false;
    let seen = version;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (stopped) return;
      if (document.visibilityState === "visible") {
        try {
          const response = await fetch(`/api/live?${query}`, { cache: "no-store", headers: { accept: "application/json" } });
          if (response.status === 401 || response.status === 403 || response.status === 404) return; // the page itself will say why on its next load
          if (response.ok) {
            const live = (await response.json()) as { version: string; pending: boolean };
            if (stopped) return;
            if (live.version !== seen) {
              seen = live.version;
              router.refresh();
            }
            if (!live.pending) return;
          }
        } catch {
          // A network hiccup: try again at the next tick.
        }
      }
      if (!stopped) timer = setTimeout(poll, INTERVAL_MS);
    };
    timer = setTimeout(poll, INTERVAL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [query, version, pending, router]);

  if (!pending) return null;
  return (
    <p className="text-xs text-slate-500" data-testid="live-refresh">
      {t("notices.liveUpdating")}
    </p>
  );
}
