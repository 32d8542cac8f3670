import { fromPrisma, type JobInsert, type PgBoss } from "pg-boss";
import { config } from "@/lib/config.ts";
import type { Db } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import type { DeliveryJob } from "@/lib/delivery/dispatch.ts";
import { DELIVERY_GIVE_UP_MS, DELIVERY_JOB, QUEUES } from "@/lib/jobs/queues.ts";

export const FROM = { name: "Verzuimteam", address: "verzuim@klant.example" };
export const recipientOf = (index: number, n = 0) => `ontvanger-${index}${n ? `-${n}` : ""}@extern.example`;

/**
 * Queues `count` one-recipient messages (subject "Bericht <i>", i = first…first+count-1, in that
 * submission order) for a server, with their delivery jobs, in transactions of `chunk`: the rows
 * with one INSERT … SELECT generate_series, the jobs with pg-boss's bulk insert() on the same
 * transaction (fromPrisma), as queueMessage does one at a time. The rows are what queueMessage
 * writes for such a message (same columns, same job data and options).
 */
export async function prequeue(prisma: Db, boss: PgBoss, serverId: string, count: number, options: { first?: number; chunk?: number } = {}): Promise<void> {
  const first = options.first ?? 0;
  const chunk = options.chunk ?? 5_000;
  const jobOptions = { ...DELIVERY_JOB, retryDelay: config().RETRY_BASE_SECONDS } satisfies Partial<JobInsert>;
  for (let start = first; start < first + count; start += chunk) {
    const end = Math.min(first + count, start + chunk) - 1;
    await prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          WITH numbered AS (SELECT gen_random_uuid() AS id, i FROM generate_series(${start}::int, ${end}::int) AS i)
          INSERT INTO "OutboundMessage" (id, kind, "serverId", "fromName", "fromAddress", "to", cc, bcc, "recipientCount",
            subject, text, "messageIdHeader", "giveUpAt", "updatedAt")
          SELECT id, 'APPLICATION'::"MessageKind", ${serverId}::uuid, ${FROM.name}, ${FROM.address},
            ARRAY['ontvanger-' || i || '@extern.example'], '{}'::text[], '{}'::text[], 1,
            'Bericht ' || i, 'Inhoud ' || i, '<' || id || '@klant.example>',
            clock_timestamp() + make_interval(secs => ${DELIVERY_GIVE_UP_MS / 1000}), clock_timestamp()
          FROM numbered ORDER BY i
          RETURNING id`;
        const jobs: JobInsert<DeliveryJob>[] = rows.map((row) => ({ data: { messageId: row.id, serverId }, ...jobOptions }));
        await boss.insert(QUEUES.delivery, jobs, { db: fromPrisma(tx) });
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
