import { Permission } from "@/lib/generated/prisma/enums.ts";

export { Permission };

/** Order of the rows in the rights matrix (Autorisaties › Beheer feature autorisaties voor E-mails). */
export const ALL_PERMISSIONS: readonly Permission[] = [
  Permission.MAILSERVERS_VIEW,
  Permission.MAILSERVERS_EDIT,
  Permission.TEMPLATES_VIEW,
  Permission.TEMPLATES_EDIT,
  Permission.LOG_DETAILS_VIEW,
  Permission.AUDIT_VIEW,
  Permission.RIGHTS_MANAGE,
];

/** A right that implies another: whoever may change servers may also see them (SPEC §1). */
const IMPLIES: Partial<Record<Permission, Permission[]>> = {
  MAILSERVERS_EDIT: [Permission.MAILSERVERS_VIEW],
  TEMPLATES_EDIT: [Permission.TEMPLATES_VIEW],
};

export function effectivePermissions(granted: Iterable<Permission>): Set<Permission> {
  const result = new Set<Permission>();
  for (const permission of granted) {
    result.add(permission);
    for (const implied of IMPLIES[permission] ?? []) result.add(implied);
  }
  return result;
}

export const BUILT_IN_ROLES = {
  administrator: { name: "Beheerder", permissions: ALL_PERMISSIONS },
  helpdesk: {
    name: "Helpdesk",
    permissions: [Permission.MAILSERVERS_VIEW, Permission.TEMPLATES_VIEW, Permission.LOG_DETAILS_VIEW],
  },
} as const;

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (ALL_PERMISSIONS as readonly string[]).includes(value);
}
