import type { DataController, ManagedBy } from "@/lib/generated/prisma/enums.ts";

/**
 * The source article's warning: medical mail through a server the employer manages is usually
 * not allowed. Linking a medical template to a server the medical service does not manage needs
 * the privacy officer's (FG) recorded agreement.
 */
export function needsPrivacyConsent(carries: DataController, managedBy: ManagedBy): boolean {
  return carries === "MEDISCH" && managedBy !== "MEDISCHE_DIENST";
}

/** A consent counts only for the server it was given for. */
export function hasConsentFor<T extends { privacyConsentServerId: string | null; privacyConsentAt: Date | null }>(
  template: T,
  serverId: string,
): template is T & { privacyConsentAt: Date } {
  return template.privacyConsentServerId === serverId && template.privacyConsentAt !== null;
}
