import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { recordAudit, type Actor } from "@/lib/audit/record.ts";
import { allowPrivateSmtpHosts, config, type AppConfig } from "@/lib/config.ts";
import { decryptSecret, encryptSecret, SecretBoxError } from "@/lib/crypto/secret-box.ts";
import type { Db } from "@/lib/db/client.ts";
import type { PlatformDkimKey } from "@/lib/generated/prisma/client.ts";
import { logger } from "@/lib/log/logger.ts";
import { UserError } from "@/lib/ui/errors.ts";
import { generateDkimKey, newSelector, publicKeyOf } from "./dkim.ts";
import { fetchMtaStsPolicy, lookupTxt, MtaStsError, parseMtaStsTxt, parseTlsRptTxt, type MtaStsPolicy } from "./mta-sts.ts";

// ---------------------------------------------------------------------------------------------
// DKIM keys of the platform's own mail

/** The domain of PLATFORM_FROM_ADDRESS: the platform's mail is signed for it. */
export function platformFromDomain(cfg: AppConfig = config()): string {
  const address = cfg.PLATFORM_FROM_ADDRESS;
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

const privateKeyAad = (id: string) => `PlatformDkimKey:${id}:privateKey`;

/** What nodemailer's `dkim` option takes. Holds the private key: never log or return it to a page. */
export interface DkimSigningKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** An operator-supplied key (PLATFORM_DKIM_SELECTOR + PLATFORM_DKIM_PRIVATE_KEY) replaces the generated ones. */
export function configuredDkimKey(cfg: AppConfig = config()): DkimSigningKey | undefined {
  if (!cfg.PLATFORM_DKIM_SELECTOR || !cfg.PLATFORM_DKIM_PRIVATE_KEY) return undefined;
  return { domainName: platformFromDomain(cfg), keySelector: cfg.PLATFORM_DKIM_SELECTOR.toLowerCase(), privateKey: cfg.PLATFORM_DKIM_PRIVATE_KEY };
}

export function configuredDkimPublicKey(cfg: AppConfig = config()) {
  const key = configuredDkimKey(cfg);
  return key ? { selector: key.keySelector, ...publicKeyOf(key.privateKey) } : undefined;
}

async function createKey(prisma: Db, domain: string, state: "ACTIVE" | "PENDING", now = new Date()): Promise<PlatformDkimKey> {
  // RSA generation takes a moment; done before the transaction so no lock waits on it.
  const generated = await generateDkimKey();
  const id = randomUUID();
  return prisma.$transaction(async (tx) => {
    // One key per domain and state, also with several workers starting at once.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`platform-dkim:${domain}`}))`;
    const existing = await tx.platformDkimKey.findFirst({ where: { domain, state } });
    if (existing && state === "ACTIVE") return existing;
    if (existing) await tx.platformDkimKey.delete({ where: { id: existing.id } });
    return tx.platformDkimKey.create({
      data: {
        id,
        domain,
        selector: newSelector(now),
        state,
        privateKeyBox: encryptSecret(generated.privateKeyPem, privateKeyAad(id)),
        publicKey: generated.publicKey,
        createdAt: now,
        activatedAt: state === "ACTIVE" ? now : null,
      },
    });
  });
}

/** The ACTIVE key of the platform's From domain, generated on first use (unless the operator supplies one). */
export async function ensurePlatformDkimKey(prisma: Db, domain = platformFromDomain()): Promise<PlatformDkimKey | undefined> {
  if (configuredDkimKey()) return undefined;
  return (await prisma.platformDkimKey.findFirst({ where: { domain, state: "ACTIVE" } })) ?? createKey(prisma, domain, "ACTIVE");
}

/**
 * The key that signs a platform message from `fromAddress`: only the platform's own From domain
 * is signed (a key for another domain would not align with its DMARC anyway).
 */
export async function platformSigningKey(prisma: Db, fromAddress: string): Promise<DkimSigningKey | undefined> {
  const domain = fromAddress.slice(fromAddress.lastIndexOf("@") + 1).toLowerCase();
  if (domain !== platformFromDomain()) return undefined;
  const configured = configuredDkimKey();
  if (configured) return configured;
  try {
    const key = await ensurePlatformDkimKey(prisma, domain);
    if (!key) return undefined;
    return { domainName: domain, keySelector: key.selector, privateKey: decryptSecret(key.privateKeyBox, privateKeyAad(key.id)) };
  } catch (error) {
    // Without ENCRYPTION_KEY (or with a box it cannot open) the mail still goes, unsigned: a
    // missing signature costs deliverability, a lost ownership code costs the whole flow.
    if (!(error instanceof SecretBoxError)) throw error;
    logger.error("platform mail sent without DKIM signature: its key cannot be used", { domain, code: error.code });
    return undefined;
  }
}

/**
 * Rotation: a new key under a new selector, PENDING. Mail stays signed with the ACTIVE key until
 * the operator has published the new record and confirms (activatePendingDkimKey), so no mail is
 * ever signed with a key receivers cannot find. Rotating again replaces a pending key.
 */
export async function rotatePlatformDkimKey(prisma: Db, actor: Actor, now = new Date()): Promise<PlatformDkimKey> {
  if (configuredDkimKey()) throw new UserError("platform.errors.configuredKey");
  const domain = platformFromDomain();
  await ensurePlatformDkimKey(prisma, domain);
  const key = await createKey(prisma, domain, "PENDING", now);
  await prisma.$transaction((tx) =>
    recordAudit(tx, { actor, action: "platform.dkim.rotate", params: { domain, selector: key.selector }, entityType: "PlatformDkimKey", entityId: key.id }),
  );
  return key;
}

/**
 * The pending key becomes the signing key, the old one is retired (its private key erased), once
 * `isPublished` confirms that DNS serves the new record: the rule that keeps every signature verifiable.
 */
export async function activatePendingDkimKey(prisma: Db, actor: Actor, isPublished: (key: PlatformDkimKey) => Promise<boolean>, now = new Date()) {
  const domain = platformFromDomain();
  const pending = await prisma.platformDkimKey.findFirst({ where: { domain, state: "PENDING" } });
  if (!pending) throw new UserError("platform.errors.noPendingKey", {}, undefined, 404);
  if (!(await isPublished(pending))) throw new UserError("platform.errors.notPublished", { name: `${pending.selector}._domainkey.${domain}` }, undefined, 422);
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`platform-dkim:${domain}`}))`;
    await tx.platformDkimKey.updateMany({ where: { domain, state: "ACTIVE" }, data: { state: "RETIRED", retiredAt: now, privateKeyBox: "" } });
    const { count } = await tx.platformDkimKey.updateMany({ where: { id: pending.id, state: "PENDING" }, data: { state: "ACTIVE", activatedAt: now } });
    if (count !== 1) throw new UserError("platform.errors.noPendingKey", {}, undefined, 409);
    await recordAudit(tx, {
      actor,
      action: "platform.dkim.activate",
      params: { domain, selector: pending.selector },
      entityType: "PlatformDkimKey",
      entityId: pending.id,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// MTA-STS policies of recipient domains, cached

export interface MtaStsResolution {
  /** The policy that applies, with the TXT id it was fetched for; undefined: none applies. */
  policy?: MtaStsPolicy & { id: string };
  /** For the delivery log, e.g. "MTA-STS klant.example → enforce (id 20260101, mx: mx.klant.example; max_age 86400; fetched)". */
  trace: string;
  /** The TLS-RPT address (RFC 8460) of the domain, when it has one. */
  tlsRpt?: string;
}

export interface MtaStsSettings {
  dnsServers: readonly string[];
  allowPrivate: boolean;
  port?: number;
  extraCa?: string;
}

export function mtaStsSettings(cfg: AppConfig = config()): MtaStsSettings {
  return {
    dnsServers: cfg.DNS_SERVERS,
    allowPrivate: allowPrivateSmtpHosts(cfg),
    ...(cfg.MTA_STS_PORT ? { port: cfg.MTA_STS_PORT } : {}),
    ...(cfg.TEST_TRUSTED_CA_FILE ? { extraCa: readFileSync(cfg.TEST_TRUSTED_CA_FILE, "utf8") } : {}),
  };
}

const describePolicy = (domain: string, policy: MtaStsPolicy & { id: string }, how: string) =>
  `MTA-STS ${domain} → ${policy.mode} (id ${policy.id}; mx: ${policy.mx.join(", ") || "—"}; max_age ${policy.maxAge}; ${how})`;

/**
 * The policy that applies to a recipient domain now (RFC 8461 §5): the cached one while its
 * max_age lasts and the TXT id is unchanged; fetched again when the id changes or it expired. When
 * the TXT record or the fetch fails, a cached policy that has not expired still applies (that is
 * what stops an attacker who blocks DNS or HTTPS from downgrading delivery); without one, none does.
 */
export async function resolveMtaStsPolicy(prisma: Db, domain: string, settings: MtaStsSettings, now = new Date()): Promise<MtaStsResolution> {
  const cached = await prisma.mtaStsPolicy.findUnique({ where: { domain } });
  const valid =
    cached && cached.expiresAt > now ? { mode: cached.mode as MtaStsPolicy["mode"], mx: cached.mx, maxAge: cached.maxAge, id: cached.policyId } : undefined;
  const withReport = async (resolution: MtaStsResolution): Promise<MtaStsResolution> => {
    if (!resolution.policy || resolution.policy.mode === "none") return resolution;
    try {
      const tlsRpt = parseTlsRptTxt(await lookupTxt(`_smtp._tls.${domain}`, { dnsServers: settings.dnsServers }));
      return tlsRpt ? { ...resolution, tlsRpt, trace: `${resolution.trace}; TLS-RPT ${tlsRpt}` } : resolution;
    } catch {
      return resolution;
    }
  };

  let id: string | undefined;
  try {
    id = parseMtaStsTxt(await lookupTxt(`_mta-sts.${domain}`, { dnsServers: settings.dnsServers }));
  } catch (error) {
    if (!(error instanceof MtaStsError)) throw error;
    if (valid) return withReport({ policy: valid, trace: describePolicy(domain, valid, `cached; ${error.message}`) });
    return { trace: `MTA-STS ${domain} → unknown (${error.message})` };
  }
  if (!id) {
    if (valid) return withReport({ policy: valid, trace: describePolicy(domain, valid, "cached; no _mta-sts TXT record") });
    if (cached) await prisma.mtaStsPolicy.deleteMany({ where: { domain } });
    return { trace: `MTA-STS ${domain} → none` };
  }
  if (valid && valid.id === id) return withReport({ policy: valid, trace: describePolicy(domain, valid, "cached") });

  try {
    const fetched = await fetchMtaStsPolicy(domain, settings);
    const policy = { ...fetched, id };
    const data = {
      policyId: id,
      mode: fetched.mode,
      mx: fetched.mx,
      maxAge: fetched.maxAge,
      fetchedAt: now,
      expiresAt: new Date(now.getTime() + fetched.maxAge * 1000),
    };
    await prisma.mtaStsPolicy.upsert({ where: { domain }, create: { domain, ...data }, update: data });
    return withReport({ policy, trace: describePolicy(domain, policy, valid ? `fetched, id changed from ${valid.id}` : "fetched") });
  } catch (error) {
    if (!(error instanceof MtaStsError)) throw error;
    if (valid) return withReport({ policy: valid, trace: describePolicy(domain, valid, `cached; new policy not fetched: ${error.message}`) });
    return { trace: `MTA-STS ${domain} → no valid policy (${error.message})` };
  }
}
