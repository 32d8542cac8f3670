"use client";

import { useEffect, useRef, useState } from "react";

/** The house-style frame is 600 px wide with 24 px around it (lib/templates/frames.ts). */
const FRAME_WIDTH = 648;
const FRAME_HEIGHT = 420;

/**
 * The template preview at its real width, scaled down to fit a narrower card (a phone, or beside
 * the template list) so nothing is clipped; never scaled up. Until the script runs, the box
 * scrolls sideways instead. The frame is sandboxed without allowances: its HTML shows, never runs.
 */
export function PreviewFrame({ title, html }: { title: string; html: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState(1);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setScale(Math.min(1, (entry?.contentRect.width ?? FRAME_WIDTH) / FRAME_WIDTH)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  return (
    <div ref={box} className="overflow-x-auto" data-testid="template-preview" data-scale={scale.toFixed(2)}>
      <div className="overflow-hidden" style={{ height: FRAME_HEIGHT * scale, width: FRAME_WIDTH * scale }}>
        <iframe
          title={title}
          sandbox=""
          srcDoc={html}
          className="origin-top-left rounded border border-slate-200 bg-white"
          style={{ width: FRAME_WIDTH, height: FRAME_HEIGHT, transform: scale < 1 ? `scale(${scale})` : undefined }}
        />
      </div>
    </div>
  );
}
