/**
 * The page-level notices an action can leave behind: the action sends the user to the page with
 * `?melding=<code>`, and the page shows the notice for it until it is closed. Only these codes
 * exist, so the address bar never carries free text or anything secret; the notice's values
 * (an address, a server's name) come from the page's own data.
 */
export const NOTICES = {
  "afzender-toegevoegd": { tone: "success", message: "notices.senderAdded" },
  "afzender-proefmodus": { tone: "warning", message: "notices.trialDomain" },
  "afzender-geverifieerd": { tone: "success", message: "notices.senderVerified" },
  "afzender-geblokkeerd": { tone: "error", message: "notices.senderLocked" },
  "server-aangemaakt": { tone: "success", message: "notices.serverCreated" },
  "server-opgeslagen": { tone: "success", message: "notices.serverSaved" },
} as const;

export type NoticeCode = keyof typeof NOTICES;

/** The search parameter that carries a notice's code. */
export const NOTICE_PARAM = "melding";

/** The code in a page's `?melding=`, or null for none or an unknown one (ignored, never shown). */
export function noticeCode(value: unknown): NoticeCode | null {
  return typeof value === "string" && Object.hasOwn(NOTICES, value) ? (value as NoticeCode) : null;
}

/** Where an action sends the user so that `code` is shown on `path`. */
export function withNotice(path: string, code: NoticeCode): string {
  return `${path}?${NOTICE_PARAM}=${code}`;
}
