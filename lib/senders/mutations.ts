import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { config } from "@/lib/config.ts";
import type { Db, Tx } from "@/lib/db/client.ts";
import { queueMessage } from "@/lib/delivery/outbox.ts";
import { templatesUsing } from "@/lib/templates/mutations.ts";
import { UserError } from "@/lib/ui/errors.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { logger } from "@/lib/log/logger.ts";
import { generateCode, hashCode, matchCodes } from "./codes.ts";
import { verificationMail } from "./mail.ts";
import { hasMailHosts } from "@/lib/smtp/mx.ts";
import { runPreflight, type PreflightInput, type PreflightOptions, type PreflightReport } from "./preflight.ts";
import { codeEntryRefusal } from "./state.ts";

export const CODE_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const MAX_WRONG_TRIES = 5;
const RESEND_INTERVAL_MS = 60_000;
const RESENDS_PER_HOUR = 5;

type DomainCheck = (domain: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
const defaultDomainCheck: DomainCheck = (domain) => hasMailHosts(domain);

function codeSecret(): string {
  const secret = config().AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set");
  return secret;
}

type ServerRef = { id: string; name: string };
type SenderRef = { id: string; displayName: string; address: string };

/**
 * A new round of codes: the ownership code through the platform's own delivery (straight to the
 * domain's MX), the configuration code through the customer's server with the sender as From.
 * Both mails are queued in this transaction; earlier open rounds stop counting.
 */
async function startVerificationRound(tx: Tx, boss: PgBoss, actor: Actor, sender: SenderRef, server: ServerRef, needOwnership: boolean) {
  const now = new Date();
  await tx.senderVerification.updateMany({
    where: { senderId: sender.id, completedAt: null, supersededAt: null },
    data: { supersededAt: now },
  });
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + CODE_LIFETIME_MS);
  const secret = codeSecret();
  const ownershipCode = needOwnership ? generateCode() : null;
  const configurationCode = generateCode();
  const mailFor = (kind: "ownership" | "configuration", code: string) =>
    verificationMail({
      kind,
      code,
      senderAddress: sender.address,
      senderName: sender.displayName,
      serverName: server.name,
      requestedBy: actor.label,
      expiresAt,
    });

  const ownershipMessage = ownershipCode
    ? await queueMessage(tx, boss, {
        kind: "OWNERSHIP_CODE",
        serverId: null,
        senderId: sender.id,
        from: { name: "Postkamer", address: config().PLATFORM_FROM_ADDRESS },
        to: [sender.address],
        ...mailFor("ownership", ownershipCode),
        giveUpAt: expiresAt,
      })
    : null;
  const configurationMessage = await queueMessage(tx, boss, {
    kind: "CONFIGURATION_CODE",
    serverId: server.id,
    senderId: sender.id,
    from: { name: sender.displayName, address: sender.address },
    to: [sender.address],
    ...mailFor("configuration", configurationCode),
    giveUpAt: expiresAt,
  });
  await tx.senderVerification.create({
    data: {
      id,
      senderId: sender.id,
      ownershipCodeHash: ownershipCode ? hashCode(secret, id, ownershipCode) : null,
      configurationCodeHash: hashCode(secret, id, configurationCode),
      ownershipMessageId: ownershipMessage?.id ?? null,
      configurationMessageId: configurationMessage.id,
      requestedById: actor.id,
      requestedByLabel: actor.label,
      expiresAt,
    },
  });
}

/**
 * "Codes versturen": the sender and its first round of codes. The domain must take mail, except
 * in trial mode (`trialMode`: the mail catcher of lib/mailcatcher is on), where every mail lands
 * in the Postvak anyway: a made-up domain or a filtering resolver must not stop a newcomer at
 * step 2. `domainUnresolved` says the domain was let through that way, so the page can say so.
 */
export async function addSender(
  prisma: Db,
  boss: PgBoss,
  actor: Actor,
  input: { serverId: string; displayName: string; address: string },
  checkDomain: DomainCheck = defaultDomainCheck,
  trialMode = false,
) {
  const server = await prisma.mailServer.findUnique({ where: { id: input.serverId }, select: { id: true, name: true } });
  if (!server) throw new UserError("mailservers.errors.notFound", {}, undefined, 404);
  const domain = input.address.split("@")[1]!;
  const check = await checkDomain(domain);
  if (!check.ok && !trialMode) {
    const dnsUnavailable = check.reason === "DNS_FAILURE" || check.reason === "TIMEOUT";
    throw new UserError(dnsUnavailable ? "senders.errors.dnsUnavailable" : "senders.errors.noMailHosts", { domain }, "address", 400);
  }
  const sender = await prisma.$transaction(async (tx) => {
    const existing = await tx.sender.findUnique({ where: { serverId_address: { serverId: server.id, address: input.address } } });
    if (existing) throw new UserError("senders.errors.exists", {}, "address");
    const sender = await tx.sender.create({ data: { serverId: server.id, displayName: input.displayName, address: input.address } });
    await startVerificationRound(tx, boss, actor, sender, server, true);
    await recordAudit(tx, {
      actor,
      action: "sender.create",
      entityType: "Sender",
      entityId: sender.id,
      serverId: server.id,
      params: { address: sender.address, server: server.name },
      after: { serverId: server.id, displayName: sender.displayName, address: sender.address },
    });
    return sender;
  });
  // Advisory, after the sender exists: a check that fails never blocks or undoes adding it (the
  // nightly run catches up). Skipped when DNS was just found unreachable, rather than waiting twice.
  if (check.ok) await checkPreflightQuietly(prisma, sender.id, { timeoutMs: ADD_PREFLIGHT_TIMEOUT_MS });
  return { ...sender, domainUnresolved: !check.ok };
}

/** Adding a sender waits at most this long for its DMARC preflight. */
const ADD_PREFLIGHT_TIMEOUT_MS = 5_000;

async function checkPreflightQuietly(prisma: Db, senderId: string, options: PreflightOptions) {
  try {
    await checkSenderPreflight(prisma, senderId, options);
  } catch (error) {
    logger.warn("sender preflight failed", { senderId, error });
  }
}

const preflightInputOf = (sender: {
  address: string;
  server: { type: PreflightInput["serverType"]; region: string | null; host: string };
}): PreflightInput => ({
  address: sender.address,
  serverType: sender.server.type,
  region: sender.server.region,
  host: sender.server.host,
});

const PREFLIGHT_SELECT = { id: true, address: true, server: { select: { type: true, region: true, host: true } } } as const;

async function storePreflight(prisma: Db, senderId: string, report: PreflightReport) {
  // updateMany: a sender removed while its domain was being checked is simply not updated.
  await prisma.sender.updateMany({
    where: { id: senderId },
    data: { preflightVerdict: report.verdict, preflightCheckedAt: new Date(), preflightReport: report as unknown as Prisma.InputJsonValue },
  });
}

/** "Opnieuw controleren": runs the DMARC preflight (preflight.ts) for one sender and stores the result on it. */
export async function checkSenderPreflight(prisma: Db, senderId: string, options: PreflightOptions = {}): Promise<PreflightReport> {
  const sender = await prisma.sender.findUnique({ where: { id: senderId }, select: PREFLIGHT_SELECT });
  if (!sender) throw new UserError("senders.errors.notFound", {}, undefined, 404);
  const report = await runPreflight(preflightInputOf(sender), options);
  await storePreflight(prisma, sender.id, report);
  return report;
}

export interface PreflightRunSummary {
  checked: number;
  failed: number;
  verdicts: Record<PreflightReport["verdict"], number>;
}

/**
 * The nightly run: every sender again, a few at a time so one slow name server does not hold up
 * the rest; one failure is logged and the run goes on. Senders of one domain on one server
 * share a single set of lookups.
 */
export async function checkAllSenderPreflights(prisma: Db, options: PreflightOptions & { concurrency?: number } = {}): Promise<PreflightRunSummary> {
  const senders = await prisma.sender.findMany({ select: PREFLIGHT_SELECT, orderBy: { createdAt: "asc" } });
  const summary: PreflightRunSummary = { checked: 0, failed: 0, verdicts: { PASS: 0, RISK: 0, FAIL: 0 } };
  const reports = new Map<string, Promise<PreflightReport>>();
  let next = 0;
  const lane = async () => {
    while (next < senders.length) {
      const sender = senders[next++]!;
      const input = preflightInputOf(sender);
      const domain = input.address.slice(input.address.lastIndexOf("@") + 1).toLowerCase();
      const key = [domain, input.serverType, input.region ?? "", input.host ?? ""].join("|");
      try {
        if (!reports.has(key)) reports.set(key, runPreflight(input, options));
        const report = await reports.get(key)!;
        await storePreflight(prisma, sender.id, report);
        summary.checked++;
        summary.verdicts[report.verdict]++;
      } catch (error) {
        summary.failed++;
        logger.warn("sender preflight failed", { senderId: sender.id, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, lane));
  return summary;
}

async function lockSender(tx: Tx, senderId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Sender" WHERE id = ${senderId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new UserError("senders.errors.notFound", {}, undefined, 404);
  return tx.sender.findUniqueOrThrow({ where: { id: senderId }, include: { server: { select: { id: true, name: true } } } });
}

/** "Codes opnieuw versturen": new codes, old ones stop working; at most once a minute and five times an hour. */
export async function resendCodes(prisma: Db, boss: PgBoss, actor: Actor, senderId: string) {
  return prisma.$transaction(async (tx) => {
    const sender = await lockSender(tx, senderId);
    if (sender.state === "VERIFIED") throw new UserError("senders.errors.alreadyVerified");
    const now = Date.now();
    const recent = await tx.senderVerification.findMany({
      where: { senderId, createdAt: { gt: new Date(now - 60 * 60_000) } },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true, completedAt: true },
    });
    // The minute between two rounds protects inboxes from a flood; a round that was completed
    // (and then invalidated by a server change) does not make the administrator wait.
    if (recent[0] && !recent[0].completedAt && now - recent[0].createdAt.getTime() < RESEND_INTERVAL_MS) {
      throw new UserError("senders.errors.resendTooSoon", { seconds: Math.ceil((RESEND_INTERVAL_MS - (now - recent[0].createdAt.getTime())) / 1000) });
    }
    if (recent.length >= RESENDS_PER_HOUR) throw new UserError("senders.errors.resendLimit");
    await startVerificationRound(tx, boss, actor, sender, sender.server, !sender.ownershipVerifiedAt);
    if (sender.state === "BLOCKED") {
      await tx.sender.update({ where: { id: senderId }, data: { state: sender.ownershipVerifiedAt ? "REVERIFY" : "PENDING" } });
    }
    await recordAudit(tx, {
      actor,
      action: "sender.codes.resend",
      entityType: "Sender",
      entityId: senderId,
      serverId: sender.serverId,
      params: { address: sender.address },
    });
    return sender;
  });
}

export type VerifyResult = { ok: true } | { ok: false; reason: "wrong"; triesLeft: number } | { ok: false; reason: "locked" };

/**
 * Checks the two entered codes in either order. A wrong attempt is counted (and committed) before
 * the answer goes back; the fifth locks the round, and only new codes help then.
 */
export async function verifySender(prisma: Db, actor: Actor, input: { senderId: string; code1: string; code2: string }): Promise<VerifyResult> {
  return prisma.$transaction(async (tx) => {
    const sender = await lockSender(tx, input.senderId);
    const round = await tx.senderVerification.findFirst({
      where: { senderId: sender.id, completedAt: null, supersededAt: null },
      orderBy: { createdAt: "desc" },
    });
    const refusal = codeEntryRefusal(sender.state, round);
    if (refusal || !round) throw new UserError(`senders.errors.${refusal ?? "noRound"}`);

    const proven = matchCodes(codeSecret(), round.id, [input.code1, input.code2], {
      ownership: round.ownershipCodeHash,
      configuration: round.configurationCodeHash,
    });
    const ok = (!round.ownershipCodeHash || proven.ownership) && proven.configuration;
    if (!ok) {
      const failedTries = round.failedTries + 1;
      const locked = failedTries >= MAX_WRONG_TRIES;
      await tx.senderVerification.update({ where: { id: round.id }, data: { failedTries, lockedAt: locked ? new Date() : null } });
      if (locked) await tx.sender.update({ where: { id: sender.id }, data: { state: "BLOCKED" } });
      await recordAudit(tx, {
        actor,
        action: locked ? "sender.verify.locked" : "sender.verify.wrong",
        entityType: "Sender",
        entityId: sender.id,
        serverId: sender.serverId,
        params: { address: sender.address, tries: failedTries, max: MAX_WRONG_TRIES },
      });
      return locked ? { ok: false, reason: "locked" } : { ok: false, reason: "wrong", triesLeft: MAX_WRONG_TRIES - failedTries };
    }
    const now = new Date();
    await tx.senderVerification.update({ where: { id: round.id }, data: { completedAt: now } });
    await tx.sender.update({
      where: { id: sender.id },
      data: { state: "VERIFIED", ownershipVerifiedAt: sender.ownershipVerifiedAt ?? now, configurationVerifiedAt: now },
    });
    await recordAudit(tx, {
      actor,
      action: "sender.verify",
      entityType: "Sender",
      entityId: sender.id,
      serverId: sender.serverId,
      params: { address: sender.address, server: sender.server.name },
      before: { state: sender.state },
      after: { state: "VERIFIED" },
    });
    return { ok: true };
  });
}

export async function removeSender(prisma: Db, actor: Actor, senderId: string) {
  return prisma.$transaction(async (tx) => {
    const sender = await lockSender(tx, senderId);
    const templates = await templatesUsing(tx, { senderId });
    if (templates.length > 0) throw new UserError("senders.errors.usedByTemplates", { templates: templates.join(", ") });
    await tx.sender.delete({ where: { id: senderId } });
    await recordAudit(tx, {
      actor,
      action: "sender.delete",
      entityType: "Sender",
      entityId: senderId,
      serverId: sender.serverId,
      params: { address: sender.address, server: sender.server.name },
      before: { displayName: sender.displayName, address: sender.address, state: sender.state },
    });
    return sender;
  });
}

/**
 * A server's connection changed: what the configuration mails proved no longer holds. Ownership
 * of the addresses stays proven.
 */
export async function invalidateConfigurationProofs(tx: Tx, serverId: string): Promise<number> {
  const { count } = await tx.sender.updateMany({
    where: { serverId, state: { in: ["VERIFIED", "REVERIFY"] } },
    data: { state: "REVERIFY", configurationVerifiedAt: null },
  });
  // A re-verification already under way sent its configuration code through the old settings.
  await tx.senderVerification.updateMany({
    where: { sender: { serverId, state: "REVERIFY" }, completedAt: null, supersededAt: null },
    data: { supersededAt: new Date() },
  });
  return count;
}
