/** What every server action returns; safe to send to the browser (never holds secrets). */
export type ActionResult<T = undefined> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; status: 400 | 401 | 403 | 404 | 409 | 422 | 500; error: string; fieldErrors?: Record<string, string[]> };
