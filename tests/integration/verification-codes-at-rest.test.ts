import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessageKind, MessageStatus } from "@/lib/generated/prisma/enums.ts";
import { retryMessage } from "@/lib/logging/mutations.ts";
import { createServer } from "@/lib/mailservers/mutations.ts";
import { serverFormSchema } from "@/lib/mailservers/schema.ts";
import { generateCode } from "@/lib/senders/codes.ts";
import { verificationMail } from "@/lib/senders/mail.ts";
import { addSender } from "@/lib/senders/mutations.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { resetDatabase, testDb } from "../support/db.ts";
import { startTestDns, type TestDns } from "../support/dns.ts";
import { startJobs } from "../support/jobs.ts";
import { smtpError, startTestSmtp, type TestSmtp } from "../support/smtp.ts";

/**
 * Issue 14, item 4: a verification code must not stay readable in OutboundMessage once its mail
 * is handed over or has failed (28 days of retention, backups). The mail that still has to go
 * out keeps it; the Logging keeps the message with "Verificatiecode: •••••-•••••".
 */
const actor = { id: null, label: "beheerder@klant.example" };
const CODE = /[2-9A-Z]{5}-[2-9A-Z]{5}/;
const MASKED = "Verificatiecode: •••••-•••••";

let dns: TestDns;
let mx: TestSmtp;
let customer: TestSmtp;
let jobs: Awaited<ReturnType<typeof startJobs>>;
let boss: PgBoss;

async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 45_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Everything the database keeps about a message, as one text. */
async function storedRow(id: string): Promise<string> {
  const [row] = await testDb().$queryRaw<{ dump: string }[]>`SELECT m::text AS dump FROM "OutboundMessage" m WHERE id = ${id}::uuid`;
  return row!.dump;
}

beforeAll(async () => {
  dns = await startTestDns({
    "klant.example": { MX: [{ exchange: "mx.klant.example", priority: 10 }] },
    "mx.klant.example": { A: ["127.0.0.1"] },
  });
  // The domain's MX refuses the ownership code for good: it never reaches the sender.
  mx = await startTestSmtp({
    onRcptTo(_address, _session, callback) {
      callback(smtpError(550, "5.1.1 User unknown"));
    },
  });
  customer = await startTestSmtp({});
  Object.assign(process.env, { DNS_SERVERS: dns.address, MX_PORT: String(mx.port), ALLOW_PRIVATE_SMTP_HOSTS: "1", RETRY_BASE_SECONDS: "1" });
  delete process.env.PLATFORM_SMTP_URL;
  jobs = await startJobs();
  boss = jobs.boss;
});

afterAll(async () => {
  await jobs.stop();
  await Promise.all([dns.close(), mx.close(), customer.close()]);
});

beforeEach(async () => {
  await resetDatabase();
  customer.received.length = 0;
});

let counter = 0;
async function codeMessage(kind: MessageKind, status: MessageStatus, code = generateCode()) {
  counter++;
  const mail = verificationMail({
    kind: kind === "OWNERSHIP_CODE" ? "ownership" : "configuration",
    code,
    senderAddress: "verzuim@klant.example",
    senderName: "Verzuimteam",
    serverName: "Eigen Exchange",
    requestedBy: actor.label,
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  const message = await testDb().outboundMessage.create({
    data: {
      kind,
      fromName: "Postkamer",
      fromAddress: "postkamer@localhost",
      to: ["verzuim@klant.example"],
      recipientCount: 1,
      subject: mail.subject,
      text: mail.text,
      html: `<p>Verificatiecode: ${code}</p>`,
      messageIdHeader: `<code-${counter}@localhost>`,
      giveUpAt: new Date(Date.now() + 86_400_000),
      status,
    },
  });
  return { message, code };
}

describe("verification codes at rest", () => {
  it("keeps no code in a handed-over or failed verification mail, while the sender received it", { timeout: 60_000 }, async () => {
    const server = await createServer(
      testDb(),
      actor,
      serverFormSchema.parse({
        name: "Eigen Exchange",
        type: "GENERIC",
        host: "127.0.0.1",
        port: String(customer.port),
        tlsMode: "NONE",
        acceptInsecure: "on",
        authMethod: "NONE",
        managedBy: "WERKGEVER",
      }),
    );
    const sender = await addSender(testDb(), boss, actor, { serverId: server.id, displayName: "Verzuimteam", address: "verzuim@klant.example" }, async () => ({
      ok: true,
    }));
    const messages = await testDb().outboundMessage.findMany({ where: { senderId: sender.id } });
    const ownership = messages.find((m) => m.kind === "OWNERSHIP_CODE")!;
    const configuration = messages.find((m) => m.kind === "CONFIGURATION_CODE")!;
    await waitFor(async () => {
      const statuses = await testDb().outboundMessage.findMany({ where: { senderId: sender.id }, select: { status: true } });
      return statuses.every((m) => m.status === "SENT" || m.status === "FAILED");
    });
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id: ownership.id } })).status).toBe("FAILED");
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id: configuration.id } })).status).toBe("SENT");

    // Delivered with its code…
    const delivered = /Verificatiecode: ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(customer.received[0]!.raw)![1]!;
    // …and nothing of either code left in the database, but a message the Logging can still show.
    for (const id of [ownership.id, configuration.id]) {
      const row = await storedRow(id);
      expect(row).not.toMatch(CODE);
      expect(row).toContain(MASKED);
      expect(row).toContain("Verification code: •••••-•••••");
      expect(row).toContain("verzuim@klant.example");
    }
    expect(await storedRow(configuration.id)).not.toContain(delivered);
  });

  it("leaves the code in a mail that still has to be delivered, also after a newer round superseded it", async () => {
    for (const status of ["QUEUED", "DEFERRED", "SENDING", "RETRYING"] as const) {
      const { message, code } = await codeMessage("OWNERSHIP_CODE", status);
      await testDb().outboundMessage.update({ where: { id: message.id }, data: { attemptCount: 1, lastResponse: "451 4.7.1 later" } });
      expect(await storedRow(message.id)).toContain(`Verificatiecode: ${code}`);
    }
  });

  it("masks the code in text and HTML the moment the mail is sent, fails, partially succeeds or is cancelled", async () => {
    for (const status of ["SENT", "FAILED", "PARTIALLY_SENT", "CANCELLED"] as const) {
      const { message, code } = await codeMessage("CONFIGURATION_CODE", "SENDING");
      await testDb().outboundMessage.update({ where: { id: message.id }, data: { status } });
      const stored = await testDb().outboundMessage.findUniqueOrThrow({ where: { id: message.id } });
      expect(stored.text).not.toContain(code);
      expect(stored.html).toBe("<p>Verificatiecode: •••••-•••••</p>");
    }
  });

  it("masks the mails of a completed round, even one still on its way", async () => {
    const { message: ownership, code } = await codeMessage("OWNERSHIP_CODE", "RETRYING");
    const { message: configuration } = await codeMessage("CONFIGURATION_CODE", "SENT");
    const sender = await testDb().sender.create({
      data: {
        server: { create: { name: "S", type: "GENERIC", host: "smtp.example.nl", port: 587, tlsMode: "STARTTLS", authMethod: "NONE", managedBy: "WERKGEVER" } },
        displayName: "V",
        address: "verzuim@klant.example",
      },
    });
    const round = await testDb().senderVerification.create({
      data: {
        senderId: sender.id,
        ownershipMessageId: ownership.id,
        configurationMessageId: configuration.id,
        requestedByLabel: "test",
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    expect(await storedRow(ownership.id)).toContain(code);
    await testDb().senderVerification.update({ where: { id: round.id }, data: { completedAt: new Date() } });
    expect(await storedRow(ownership.id)).not.toContain(code);
    expect(await storedRow(ownership.id)).toContain(MASKED);
  });

  it("leaves other mail alone, even text that looks like a code", async () => {
    const message = await testDb().outboundMessage.create({
      data: {
        kind: "APPLICATION",
        fromName: "Verzuim",
        fromAddress: "verzuim@klant.example",
        to: ["a@klant.example"],
        recipientCount: 1,
        subject: "Uw dossier",
        text: "Verificatiecode: ABCDE-FGHJK",
        messageIdHeader: "<app@klant.example>",
        giveUpAt: new Date(Date.now() + 86_400_000),
        status: "SENT",
      },
    });
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id: message.id } })).text).toBe("Verificatiecode: ABCDE-FGHJK");
  });

  it("does not retry a finished verification mail (it has no code left) and says to send new codes", async () => {
    const { message } = await codeMessage("OWNERSHIP_CODE", "FAILED");
    const error = await retryMessage(testDb(), boss, actor, message.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).messageKey).toBe("logging.errors.codeNotRetryable");
    expect((await testDb().outboundMessage.findUniqueOrThrow({ where: { id: message.id } })).status).toBe("FAILED");
  });
});
