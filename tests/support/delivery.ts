import type { PgBoss } from "pg-boss";
import type { Db } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { DELIVERY_GIVE_UP_MS } from "@/lib/jobs/queues.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import type { ReceivedMail } from "./smtp.ts";

const actor = { id: null, label: "test" };

/** A customer server on loopback with the given limits ("count/size/WINDOW/UNIT" rows). */
export async function loopbackServer(
  prisma: Db,
  port: number,
  options: {
    name?: string;
    limits?: { count: number; size?: number; window: string; unit: string }[];
    maxRecipients?: number;
    auth?: { user: string; pass: string };
    plain?: boolean;
  } = {},
) {
  const limits = options.limits ?? [];
  return createServer(
    prisma,
    actor,
    serverFormSchema.parse({
      name: options.name ?? "Loopback",
      type: "GENERIC",
      host: "127.0.0.1",
      port: String(port),
      tlsMode: options.plain ? "NONE" : "STARTTLS",
      acceptInsecure: options.plain ? "on" : "",
      verifyCertificate: "",
      authMethod: options.auth ? "PASSWORD" : "NONE",
      username: options.auth?.user,
      password: options.auth?.pass,
      managedBy: "WERKGEVER",
      maxRecipientsPerMessage: options.maxRecipients ? String(options.maxRecipients) : "",
      limitCount: limits.map((l) => String(l.count)),
      limitSize: limits.map((l) => String(l.size ?? 1)),
      limitWindow: limits.map((l) => l.window),
      limitUnit: limits.map((l) => l.unit),
    }),
  );
}

/** Submits `count` application messages for a server, in order; the subject carries the index. */
export async function submitMany(
  prisma: Db,
  boss: PgBoss,
  serverId: string,
  count: number,
  recipients: (index: number) => string[] = (i) => [`ontvanger-${i}@extern.example`],
): Promise<string[]> {
  const ids: string[] = [];
  await prisma.$transaction(
    async (tx) => {
      for (let i = 0; i < count; i++) {
        const { id } = await queueMessage(tx, boss, {
          kind: "APPLICATION",
          serverId,
          from: { name: "Verzuimteam", address: "verzuim@klant.example" },
          to: recipients(i),
          subject: `Bericht ${i}`,
          text: `Inhoud ${i}`,
          giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
        });
        ids.push(id);
      }
    },
    { timeout: 120_000 },
  );
  return ids;
}

export function subjectIndex(mail: ReceivedMail): number {
  return Number(/Subject: Bericht (\d+)/.exec(mail.raw)?.[1] ?? -1);
}

/** The largest number of receives (or recipients) inside any window of `widthMs` at the receiver. */
export function maxInAnyWindow(mails: ReceivedMail[], widthMs: number, weight: (mail: ReceivedMail) => number = () => 1): number {
  const sorted = [...mails].sort((a, b) => a.receivedAt - b.receivedAt);
  let best = 0;
  let sum = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    sum += weight(sorted[end]!);
    while (sorted[end]!.receivedAt - sorted[start]!.receivedAt >= widthMs) sum -= weight(sorted[start++]!);
    best = Math.max(best, sum);
  }
  return best;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
