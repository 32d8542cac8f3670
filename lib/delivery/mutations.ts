import type { Actor } from "@/lib/audit/record.ts";
import { recordAudit } from "@/lib/audit/record.ts";
import type { Db } from "@/lib/db/client.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { keyOf, limitSuggestions, type Window } from "./data.ts";

/**
 * "Limiet overnemen": sets (or adds) the limit for the suggestion's window to the observed
 * ceiling. The count comes from the stored observations, never from the form.
 */
export async function applyLimitSuggestion(prisma: Db, actor: Actor, input: { serverId: string } & Window) {
  return prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.findUnique({ where: { id: input.serverId }, select: { id: true, name: true } });
    if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
    const suggestion = (await limitSuggestions(tx, server.id)).find((s) => keyOf(s) === keyOf(input));
    if (!suggestion) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    const where = { serverId: server.id, window: input.window, windowSize: input.windowSize, unit: input.unit };
    await tx.sendingLimit.upsert({
      where: { serverId_window_windowSize_unit: where },
      update: { count: suggestion.observed },
      create: { ...where, count: suggestion.observed },
    });
    await tx.limitObservation.updateMany({ where: { ...where, resolvedAt: null }, data: { resolvedAt: new Date() } });
    await recordAudit(tx, {
      actor,
      action: "mailserver.limit.learned",
      entityType: "MailServer",
      entityId: server.id,
      params: { name: server.name, count: suggestion.observed, window: input.window, windowSize: input.windowSize, unit: input.unit },
      before: suggestion.configured === null ? null : { count: suggestion.configured },
      after: { ...where, count: suggestion.observed, observations: suggestion.observations },
    });
    return { server, count: suggestion.observed };
  });
}

/** "Negeren": the administrator knows better (e.g. a one-off burst from another client). */
export async function dismissLimitSuggestion(prisma: Db, actor: Actor, input: { serverId: string } & Window) {
  return prisma.$transaction(async (tx) => {
    const server = await tx.mailServer.findUnique({ where: { id: input.serverId }, select: { id: true, name: true } });
    if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
    const { count } = await tx.limitObservation.updateMany({
      where: { serverId: server.id, window: input.window, windowSize: input.windowSize, unit: input.unit, resolvedAt: null },
      data: { resolvedAt: new Date() },
    });
    if (count === 0) throw new UserError("mailservers.learned.gone", {}, undefined, 409);
    await recordAudit(tx, {
      actor,
      action: "mailserver.limit.dismissed",
      entityType: "MailServer",
      entityId: server.id,
      params: { name: server.name, window: input.window, windowSize: input.windowSize, unit: input.unit },
      after: { window: input.window, windowSize: input.windowSize, unit: input.unit, observations: count },
    });
    return server;
  });
}
