import { config } from "@/lib/config.ts";

export type TemplateRoute = { serverId: string | null; senderId: string | null; from: { name: string; address: string } };

/**
 * Where a template's mail goes: through the linked server as the linked sender, or through the
 * platform's own delivery. Resolved when a message is accepted and stored with it, so a later
 * change of the template does not move mail that is already queued.
 */
export function routeOf(template: { serverId: string | null; sender: { id: string; displayName: string; address: string } | null }): TemplateRoute {
  if (template.serverId && template.sender) {
    return { serverId: template.serverId, senderId: template.sender.id, from: { name: template.sender.displayName, address: template.sender.address } };
  }
  return { serverId: null, senderId: null, from: { name: "Postkamer", address: config().PLATFORM_FROM_ADDRESS } };
}
