import type { PgBoss } from "pg-boss";
import type { Db } from "@/lib/db/client.ts";
import { announceReady, queueMessage } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";

export const FROM = { name: "Verzuimteam", address: "verzuim@klant.example" };
export const recipientOf = (index: number, n = 0) => `ontvanger-${index}${n ? `-${n}` : ""}@extern.example`;

/**
 * Queues `count` one-recipient messages (subject "Bericht <i>", i = first…first+count-1, in that
 * submission order) for a server, in transactions of `chunk`: the rows with one INSERT … SELECT
 * generate_series, and the server's "mail ready" in the same transaction, as queueMessage does
 * one message at a time. The rows are what queueMessage writes for such a message (same columns).
 */
export async function prequeue(prisma: Db, boss: PgBoss, serverId: string, count: number, options: { first?: number; chunk?: number } = {}): Promise<void> {
  const first = options.first ?? 0;
  const chunk = options.chunk ?? 5_000;
  for (let start = first; start < first + count; start += chunk) {
    const end = Math.min(first + count, start + chunk) - 1;
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          WITH numbered AS (SELECT gen_random_uuid() AS id, i FROM generate_series(${start}::int, ${end}::int) AS i)
          INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount",
            subject, text, "messageIdHeader", "giveUpAt", "updatedAt")
          SELECT id, 'APPLICATION'::"MessageKind", ${serverId}::uuid, ${FROM.name}, ${FROM.address},
            ARRAY['ontvanger-' || i || '@extern.example'], '{}'::text[], '{}'::text[], 1,
            'Bericht ' || i, 'Inhoud ' || i, '<' || id || '@klant.example>',
            clock_timestamp() + make_interval(secs => ${DELIVERY_GIVE_UP_MS / 1000}), clock_timestamp()
          FROM numbered ORDER BY i`;
        await announceReady(boss, serverId, tx);
      },
      { timeout: 300_000, maxWait: 30_000 },
    );
  }
}

/**
 * Submits messages one by one through queueMessage (message row + job in one transaction, as the
 * API does), all in one transaction so they become visible at the same moment. Returns the
 * moment the transaction committed (the submission time).
 */
export async function submitInOneTransaction(
  prisma: Db,
  boss: PgBoss,
  serverId: string,
  count: number,
  recipients: (index: number) => string[],
): Promise<number> {
  await prisma.$transaction(
    async (tx) => {
      for (let i = 0; i < count; i++) {
        await queueMessage(tx, boss, {
          kind: "APPLICATION",
          serverId,
          from: FROM,
          to: recipients(i),
          subject: `Bericht ${i}`,
          text: `Inhoud ${i}`,
          giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
        });
      }
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
  return Date.now();
}
