import type { PgBoss } from "pg-boss";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import type { Db } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import type { Translate } from "@/lib/i18n/translate.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { renderIntoFrame } from "./render.ts";
import { routeOf } from "./route.ts";

/** "Testbericht versturen": a sample message along the template's current route, in its frame. */
export async function sendTestMessage(prisma: Db, boss: PgBoss, actor: Actor, input: { templateId: string; to: string }, t: Translate) {
  return prisma.$transaction(async (tx) => {
    const template = await tx.masterTemplate.findUnique({ where: { id: input.templateId }, include: { sender: true } });
    if (!template) throw new UserError("templates.errors.notFound", {}, undefined, 404);
    const route = routeOf(template);
    const subject = t("templates.testSubject", { name: template.name });
    const body = t("templates.testBody");
    const rendered = renderIntoFrame(template, { subject, html: `<p>${body}</p>`, text: body });
    const message = await queueMessage(tx, boss, {
      kind: "TEST",
      serverId: route.serverId,
      senderId: route.senderId,
      templateId: template.id,
      from: route.from,
      to: [input.to],
      subject,
      text: rendered.text,
      html: rendered.html,
      giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
    });
    await recordAudit(tx, {
      actor,
      action: "template.test",
      entityType: "MasterTemplate",
      entityId: template.id,
      serverId: route.serverId,
      params: { name: template.name, to: input.to },
      after: { messageId: message.id, route: route.serverId ?? "platform" },
    });
    return message;
  });
}
