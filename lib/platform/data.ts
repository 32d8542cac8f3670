import "server-only";
import { config } from "@/lib/config.ts";
import { db } from "@/lib/db/client.ts";
import { checkPlatformRecords, type DkimKeyRef, type PlatformRecordCheck } from "./checks.ts";
import { configuredDkimPublicKey, ensurePlatformDkimKey, platformFromDomain } from "./mutations.ts";

export interface PlatformOverview {
  fromAddress: string;
  domain: string;
  /** The smarthost's host name when PLATFORM_SMTP_URL is set (never its credentials). */
  smarthost: string | null;
  ips: string[];
  key: { source: "generated" | "configured"; selector: string; createdAt: Date | null } | null;
  pending: { selector: string; createdAt: Date } | null;
  records: PlatformRecordCheck[];
}

function smarthostName(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname || "smarthost";
  } catch {
    return "smarthost";
  }
}

/**
 * What the Platform page shows: the From domain, the key (created on first view if the platform
 * has not sent yet), and each DNS record with its live status. Public keys only: the private key
 * never leaves mutations.ts.
 */
export async function loadPlatformOverview(): Promise<PlatformOverview> {
  const cfg = config();
  const domain = platformFromDomain(cfg);
  const configured = configuredDkimPublicKey(cfg);
  const generated = await ensurePlatformDkimKey(db(), domain);
  const pending = configured ? null : await db().platformDkimKey.findFirst({ where: { domain, state: "PENDING" } });
  const active: DkimKeyRef | undefined = configured
    ? { selector: configured.selector, publicKey: configured.publicKey, keyType: configured.keyType }
    : generated
      ? { selector: generated.selector, publicKey: generated.publicKey }
      : undefined;
  const smarthost = smarthostName(cfg.PLATFORM_SMTP_URL);
  const records = await checkPlatformRecords(
    {
      domain,
      active,
      pending: pending ? { selector: pending.selector, publicKey: pending.publicKey } : undefined,
      ips: cfg.PLATFORM_SMTP_IPS,
      smarthost: smarthost !== null,
    },
    { dnsServers: cfg.DNS_SERVERS },
  );
  return {
    fromAddress: cfg.PLATFORM_FROM_ADDRESS,
    domain,
    smarthost,
    ips: cfg.PLATFORM_SMTP_IPS,
    key: configured
      ? { source: "configured", selector: configured.selector, createdAt: null }
      : generated
        ? { source: "generated", selector: generated.selector, createdAt: generated.activatedAt ?? generated.createdAt }
        : null,
    pending: pending ? { selector: pending.selector, createdAt: pending.createdAt } : null,
    records,
  };
}
