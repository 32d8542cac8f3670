import type { MessageKey, Vars } from "@/lib/i18n/translate.ts";

/**
 * An error the user caused and can fix (a taken e-mail address, a rule of the domain). Thrown
 * from mutations, shown next to the field or above the form; the transaction rolls back.
 */
export class UserError extends Error {
  constructor(
    readonly messageKey: MessageKey,
    readonly vars: Vars = {},
    readonly field?: string,
    readonly status: 400 | 404 | 409 | 422 = 409,
  ) {
    super(messageKey);
  }
}
