/**
 * The api baseline: a bare node:http handler doing the same database transaction as
 * `POST /api/v1/messages` (the message row and its pg-boss job, through queueMessage), without
 * framework, authentication, validation or template rendering. Same pools as the web process.
 */
import { createServer } from "node:http";
import { db } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { createBoss } from "@/lib/jobs/boss.ts";
import { DELIVERY_GIVE_UP_MS, ensureQueues } from "@/lib/jobs/queues.ts";

const url = process.env.DATABASE_URL!;
const port = Number(process.env.PORT);
const prisma = db();
const boss = createBoss(url, "web");
await boss.start();
await ensureQueues(boss);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    void (async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { to: string[]; subject: string; text: string };
        const { id } = await prisma.$transaction((tx) =>
          queueMessage(tx, boss, {
            kind: "APPLICATION",
            serverId: null,
            from: { name: "Postkamer", address: "postkamer@localhost" },
            to: body.to,
            subject: body.subject,
            text: body.text,
            giveUpAt: new Date(Date.now() + DELIVERY_GIVE_UP_MS),
          }),
        );
        response.writeHead(202, { "content-type": "application/json" });
        response.end(JSON.stringify({ id, status: "QUEUED" }));
      } catch {
        response.writeHead(500);
        response.end();
      }
    })();
  });
});
server.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));

const stop = () => {
  server.close();
  void boss
    .stop({ graceful: false, close: true })
    .then(() => prisma.$disconnect())
    .finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
