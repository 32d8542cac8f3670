"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";

export type NavItem = { href: string; label: string };
/** A heading in the menu (e.g. "Beheer") with its links; `subheading` is the grey line under it. */
export type NavGroup = { heading?: string; subheading?: string; items: NavItem[] };

/** The link the current page belongs to: the longest href that is the path or a folder above it. */
export function currentHref(pathname: string, hrefs: readonly string[]): string | null {
  let best: string | null = null;
  for (const href of hrefs) {
    if ((pathname === href || pathname.startsWith(`${href}/`)) && href.length > (best?.length ?? -1)) best = href;
  }
  return best;
}

/**
 * The admin menu. From Tailwind's `md` up it is the side column; below it folds behind a "Menu"
 * button (aria-expanded/aria-controls) that closes again on Escape and on navigation. The menu
 * is open for the path it was opened on, so a new path closes it without an effect.
 */
export function AdminNav({ label, menuLabel, groups }: { label: string; menuLabel: string; groups: NavGroup[] }) {
  const pathname = usePathname();
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const navId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const current = currentHref(
    pathname,
    groups.flatMap((group) => group.items.map((item) => item.href)),
  );

  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpenOn(null);
      button.current?.focus();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [open]);

  return (
    <div className="md:w-64 md:shrink-0">
      <button
        ref={button}
        type="button"
        className="btn-secondary mb-4 md:hidden"
        aria-expanded={open}
        aria-controls={navId}
        onClick={() => setOpenOn(open ? null : pathname)}
        data-testid="menu-button"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
          <path d="M3 5h14v2H3zM3 9h14v2H3zM3 13h14v2H3z" />
        </svg>
        {menuLabel}
      </button>
      <nav
        id={navId}
        aria-label={label}
        className={`${open ? "mb-6 block rounded-lg border border-slate-200 bg-white p-4 shadow-sm" : "hidden"} text-sm md:block md:border-0 md:bg-transparent md:p-0 md:shadow-none`}
      >
        {groups.map((group, index) => (
          <div key={index} className={index > 0 ? "mt-5" : undefined}>
            {group.heading ? <p className="font-semibold text-slate-600 uppercase">{group.heading}</p> : null}
            {group.subheading ? <p className="mt-2 pl-2 text-slate-600">{group.subheading}</p> : null}
            <ul className={`mt-1 space-y-1 ${group.heading ? "pl-4" : ""}`}>
              {group.items.map((item) => {
                const isCurrent = item.href === current;
                return (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      aria-current={isCurrent ? "page" : undefined}
                      onClick={() => setOpenOn(null)}
                      className={`-ml-2 block rounded px-2 py-1 ${isCurrent ? "bg-brand-50 font-semibold text-brand-900" : "hover:bg-slate-100"}`}
                    >
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </nav>
    </div>
  );
}
