import getDmarcRecord from "mailauth/lib/dmarc/get-dmarc-record.js";
import { getPublicKey } from "mailauth/lib/tools.js";
import { errorCode } from "@/lib/smtp/mx.ts";
import { dnsFor, evaluateSpf, lookupTxt, mailauthResolver, type Dns } from "@/lib/senders/preflight.ts";
import { dkimRecordName, dkimRecordValue, publicKeyInRecord } from "./dkim.ts";

/**
 * The live check of the platform's own DNS records: for each record the operator must publish,
 * what DNS serves now. The DMARC preflight's resolver (DNS_SERVERS, one deadline, one answer per
 * question) and its mailauth evaluation are reused, so both pages judge records the same way.
 */

export type RecordStatus = "ok" | "missing" | "wrong" | "warn" | "unavailable";

export interface RecordNote {
  key:
    "dkimOther" | "dkimInvalid" | "dkimPending" | "spfNoIps" | "spfFails" | "spfPasses" | "spfSmarthost" | "dmarcSuggestion" | "dmarcFound" | "dnsUnavailable";
  vars?: Record<string, string>;
}

export interface PlatformRecordCheck {
  kind: "dkim" | "dkimPending" | "spf" | "dmarc";
  selector?: string;
  type: "TXT";
  name: string;
  /** What to publish. */
  value: string;
  status: RecordStatus;
  /** What DNS serves now, verbatim. */
  found: string[];
  notes: RecordNote[];
}

export interface DkimKeyRef {
  selector: string;
  publicKey: string;
  keyType?: "rsa" | "ed25519";
}

const isNoRecord = (error: unknown) => ["ENOTFOUND", "ENODATA"].includes(errorCode(error) ?? "");
const unavailable = (error: unknown): RecordNote => ({ key: "dnsUnavailable", vars: { code: errorCode(error) ?? "unknown" } });

export async function checkDkimRecord(dns: Dns, domain: string, key: DkimKeyRef, kind: "dkim" | "dkimPending" = "dkim"): Promise<PlatformRecordCheck> {
  const name = dkimRecordName(key.selector, domain);
  const base = { kind, selector: key.selector, type: "TXT" as const, name, value: dkimRecordValue(key.publicKey, key.keyType) };
  const pendingNote: RecordNote[] = kind === "dkimPending" ? [{ key: "dkimPending" }] : [];
  let found: string[];
  try {
    found = await lookupTxt(dns, name);
  } catch (error) {
    return { ...base, status: "unavailable", found: [], notes: [unavailable(error)] };
  }
  if (found.length === 0) return { ...base, status: "missing", found, notes: pendingNote };
  try {
    // mailauth validates the record as a receiver would (syntax, key type, key length).
    const { rr } = await getPublicKey("DKIM", name, 1024, mailauthResolver(dns));
    const published = publicKeyInRecord(rr);
    if (published !== key.publicKey) return { ...base, status: "wrong", found, notes: [{ key: "dkimOther" }, ...pendingNote] };
    return { ...base, status: "ok", found, notes: pendingNote };
  } catch (error) {
    if (isNoRecord(error)) return { ...base, status: "missing", found, notes: pendingNote };
    return { ...base, status: "wrong", found, notes: [{ key: "dkimInvalid", vars: { code: errorCode(error) ?? "invalid" } }, ...pendingNote] };
  }
}

/** The SPF mechanisms for the platform's addresses added to an existing record (before its catch-all), or a new record. */
export function spfWithAddresses(record: string | undefined, ips: readonly string[]): string {
  const mechanisms = ips.map((ip) => (ip.includes(":") ? `ip6:${ip}` : `ip4:${ip}`));
  if (!record) return ["v=spf1", ...mechanisms, "-all"].join(" ");
  const terms = record.trim().split(/\s+/);
  const missing = mechanisms.filter((mechanism) => !terms.some((term) => term.toLowerCase() === mechanism.toLowerCase()));
  const allIndex = terms.findIndex((term) => /^[-~?+]?all$/i.test(term));
  if (allIndex >= 0) terms.splice(allIndex, 0, ...missing);
  else terms.push(...missing, "-all");
  return terms.join(" ");
}

export async function checkSpfRecord(dns: Dns, domain: string, ips: readonly string[], smarthost: boolean): Promise<PlatformRecordCheck> {
  const base = { kind: "spf" as const, type: "TXT" as const, name: domain };
  let records: string[];
  try {
    records = (await lookupTxt(dns, domain)).filter((record) => /^v=spf1(\s|$)/i.test(record.trim()));
  } catch (error) {
    return { ...base, value: spfWithAddresses(undefined, ips), status: "unavailable", found: [], notes: [unavailable(error)] };
  }
  const value = spfWithAddresses(records[0], ips);
  if (smarthost)
    return {
      ...base,
      value: records[0] ?? "v=spf1 include:<smarthost> -all",
      status: records.length === 1 ? "ok" : "missing",
      found: records,
      notes: [{ key: "spfSmarthost" }],
    };
  if (ips.length === 0) return { ...base, value: records[0] ?? "v=spf1 ip4:<address> -all", status: "warn", found: records, notes: [{ key: "spfNoIps" }] };
  if (records.length === 0) return { ...base, value, status: "missing", found: records, notes: [] };
  const notes: RecordNote[] = [];
  for (const ip of ips) {
    try {
      const evaluation = await evaluateSpf(dns, domain, ip);
      if (evaluation.result === "temperror")
        return { ...base, value, status: "unavailable", found: records, notes: [unavailable(evaluation.code ? { code: evaluation.code } : undefined)] };
      if (evaluation.result !== "pass") notes.push({ key: "spfFails", vars: { domain, ip, result: evaluation.result } });
    } catch (error) {
      return { ...base, value, status: "unavailable", found: records, notes: [unavailable(error)] };
    }
  }
  if (notes.length > 0) return { ...base, value, status: "wrong", found: records, notes };
  return { ...base, value: records[0]!, status: "ok", found: records, notes: [{ key: "spfPasses", vars: { ips: ips.join(", ") } }] };
}

export async function checkDmarcRecord(dns: Dns, domain: string): Promise<PlatformRecordCheck> {
  const name = `_dmarc.${domain}`;
  const value = `v=DMARC1; p=none; rua=mailto:postmaster@${domain}`;
  const base = { kind: "dmarc" as const, type: "TXT" as const, name, value };
  try {
    const record = await getDmarcRecord(domain, mailauthResolver(dns));
    if (!record) return { ...base, status: "missing", found: [], notes: [{ key: "dmarcSuggestion" }] };
    const found = [`${record.isOrgRecord ? `_dmarc.${record.recordDomain}` : name} → ${record.rr}`];
    const policy = getDmarcRecord.getPolicyTags(record)?.p;
    if (!policy) return { ...base, status: "wrong", found, notes: [{ key: "dmarcSuggestion" }] };
    return { ...base, value: record.rr, status: "ok", found, notes: [{ key: "dmarcFound", vars: { policy } }] };
  } catch (error) {
    return { ...base, status: "unavailable", found: [], notes: [unavailable(error)] };
  }
}

export interface PlatformCheckInput {
  domain: string;
  active?: DkimKeyRef;
  pending?: DkimKeyRef;
  ips: readonly string[];
  smarthost: boolean;
}

/** Every record of the Platform page, looked up now. */
export async function checkPlatformRecords(
  input: PlatformCheckInput,
  options: { dnsServers: readonly string[]; timeoutMs?: number },
): Promise<PlatformRecordCheck[]> {
  const dns = dnsFor(options.dnsServers, options.timeoutMs ?? 10_000);
  try {
    return await Promise.all([
      ...(input.active ? [checkDkimRecord(dns, input.domain, input.active)] : []),
      ...(input.pending ? [checkDkimRecord(dns, input.domain, input.pending, "dkimPending")] : []),
      checkSpfRecord(dns, input.domain, input.ips, input.smarthost),
      checkDmarcRecord(dns, input.domain),
    ]);
  } finally {
    dns.close();
  }
}

/** Whether DNS serves exactly this key at its selector (the rule before a pending key may sign). */
export async function isDkimKeyPublished(domain: string, key: DkimKeyRef, options: { dnsServers: readonly string[] }): Promise<boolean> {
  const dns = dnsFor(options.dnsServers, 10_000);
  try {
    return (await checkDkimRecord(dns, domain, key)).status === "ok";
  } finally {
    dns.close();
  }
}
