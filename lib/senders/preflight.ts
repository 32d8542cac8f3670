import { isIP } from "node:net";
import type { DNSResolver } from "mailauth";
import getDmarcRecord from "mailauth/lib/dmarc/get-dmarc-record.js";
import { spf } from "mailauth/lib/spf/index.js";
import { getPublicKey } from "mailauth/lib/tools.js";
import { config } from "@/lib/config.ts";
import type { PreflightVerdict } from "@/lib/generated/prisma/enums.ts";
import type { Messages } from "@/lib/i18n/messages/nl.ts";
import { DEFAULT_SES_REGION, SERVER_TYPES, type ServerTypeId } from "@/lib/mailservers/presets.ts";
import { DMARC_PROVIDERS, SES_MAIL_FROM_LABEL, sesFeedbackHost, type DkimSelector, type DmarcProvider } from "./dmarc-providers.ts";
import { createResolver, errorCode, MailDomainError, normalizeMailDomain, resolveHostAddresses, resolveMailHosts } from "@/lib/smtp/mx.ts";

/**
 * DMARC preflight: will mail from this sender, sent through this kind of server, pass DMARC at
 * the receiving end? Answered from DNS alone, before the first message goes out, so the
 * administrator sees which records to add. All lookups go through DNS_SERVERS (like mx.ts), and
 * the records are parsed and evaluated by mailauth, not by hand.
 *
 * Facts gathered per sender domain:
 * - mail hosts: MX, or A/AAAA as implicit MX (mx.ts);
 * - SPF: mailauth evaluates the domain's record for a TEST-NET address that no real record
 *   lists, so the result is the record's catch-all ("-all" → fail, "~all" → softfail, "?all" or
 *   none → neutral, "+all" → pass) and every include on the way is looked up; the provider is
 *   authorized when its include (DMARC_PROVIDERS) was among them, nested includes included.
 *   For a generic server the SPF record is evaluated for the server host's own address instead;
 * - DKIM: the provider's selectors, each key fetched and validated by mailauth (CNAMEs followed);
 * - DMARC: the record that applies (the domain's own or, by mailauth's RFC 9989 tree walk, the
 *   organizational domain's), with its policy, pct and alignment modes;
 * - Amazon SES only: a custom MAIL FROM domain at bounce.<domain>, without which SPF never aligns.
 *
 * Verdict, first rule that matches:
 * 1. FAIL  the domain has no mail hosts at all (receivers refuse mail from a domain that cannot
 *          receive any);
 * 2. RISK  any lookup failed temporarily (timeout, SERVFAIL, refused): what is not known cannot fail;
 * 3. FAIL  the DMARC policy is enforced (quarantine or reject, pct not 0) and neither an aligned
 *          SPF pass nor a DKIM pass is possible: SPF does not authorize the provider (or does not
 *          count for it) and none of its DKIM selectors has a record;
 * 4. PASS  an aligned SPF pass or a DKIM pass is expected, a DMARC record applies, and the SPF
 *          record (if any) does not end in +all or ?all;
 * 5. RISK  everything else: no DMARC record, p=none with nothing aligned, an SPF record ending in
 *          +all/?all, a generic server whose selector and outgoing address we cannot know, Amazon
 *          SES without a visible custom MAIL FROM domain, a selector without a valid key.
 * "Possible" is three-valued: yes, no, or unknown (a generic server's DKIM, SES's console-only
 * tokens); only a definite "no" on both sides can make rule 3 fire.
 */

export type CheckId = "mx" | "spf" | "dkim" | "dmarc" | "mailFrom";
export type CheckStatus = "ok" | "warn" | "fail";
type PreflightMessages = Messages["senders"]["preflight"];
export type FindingKey = keyof PreflightMessages["findings"];
export type ReasonKey = keyof PreflightMessages["reasons"];
export type NoteKey = keyof PreflightMessages["notes"];
type Vars = Record<string, string | number>;

export interface Finding<K extends string = FindingKey> {
  key: K;
  vars?: Vars;
}

/** A DNS record the administrator should add (or, with `replaces`, put in place of an existing one). */
export interface SuggestedRecord {
  type: "TXT" | "CNAME" | "MX";
  name: string;
  value: string;
  replaces?: string;
  note?: Finding<NoteKey>;
}

export interface PreflightCheck {
  id: CheckId;
  status: CheckStatus;
  findings: Finding[];
  /** The records found, verbatim, as "<type> <name> → <value>". */
  found: string[];
  toAdd: SuggestedRecord[];
}

/** Stored as Sender.preflightReport; `version` lets a later format be told apart. */
export interface PreflightReport {
  version: 1;
  domain: string;
  serverType: ServerTypeId;
  verdict: PreflightVerdict;
  reasons: Finding<ReasonKey>[];
  checks: PreflightCheck[];
  dnsUnavailable: boolean;
}

export interface PreflightInput {
  address: string;
  serverType: ServerTypeId;
  /** Amazon SES region, for the custom MAIL FROM records. */
  region?: string | null;
  /** The server's host: for a generic server, whether SPF authorizes its address. */
  host?: string | null;
}

export interface PreflightOptions {
  /** `ip[:port]` resolvers; default config DNS_SERVERS. */
  dnsServers?: readonly string[];
  /** Deadline for the whole preflight; default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_PREFLIGHT_TIMEOUT_MS = 10_000;

/** TEST-NET-1 (RFC 5737): in no real SPF record, so evaluating it yields the record's catch-all. */
const SPF_PROBE_IP = "192.0.2.1";

type Possible = "yes" | "no" | "unknown";

/** NXDOMAIN and NODATA: the record is not there. Anything else from the resolver is temporary. */
const isNoRecord = (error: unknown) => ["ENOTFOUND", "ENODATA"].includes(errorCode(error) ?? "");

/**
 * One resolver, one deadline and one answer per question for all lookups of a preflight: the
 * SPF evaluation, our own record lookups and a generic server's second SPF pass ask the same
 * names, and mailauth's own cache lasts only one call.
 */
export function dnsFor(dnsServers: readonly string[], timeoutMs: number) {
  const resolver = createResolver(dnsServers, timeoutMs);
  const endsAt = Date.now() + timeoutMs;
  const answers = new Map<string, Promise<unknown[]>>();
  const lookup = async (name: string, type: string): Promise<unknown[]> => {
    const remaining = endsAt - Date.now();
    if (remaining <= 0) throw Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" })), remaining);
    });
    try {
      return (await Promise.race([resolver.resolve(name, type), timeout])) as unknown[];
    } finally {
      clearTimeout(timer);
    }
  };
  const resolve = (name: string, type: string): Promise<unknown[]> => {
    const key = `${type}:${name.toLowerCase().replace(/\.$/, "")}`;
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = lookup(name, type)));
    return answer;
  };
  return { resolve, remainingMs: () => Math.max(0, endsAt - Date.now()), close: () => resolver.cancel() };
}
export type Dns = ReturnType<typeof dnsFor>;

/** mailauth's resolver signature over our resolver; `seen` collects the TXT names asked. */
export function mailauthResolver(dns: Dns, seen?: Set<string>): DNSResolver {
  return (async (name: string, type: string) => {
    if (type === "TXT") seen?.add(name.toLowerCase().replace(/\.$/, ""));
    return dns.resolve(name, type);
  }) as DNSResolver;
}

const txtRecords = (rows: unknown[]) => rows.map((row) => (Array.isArray(row) ? row.join("") : String(row)));

/** TXT records at a name; [] when there are none; rethrows a temporary failure (with its code). */
export async function lookupTxt(dns: Dns, name: string): Promise<string[]> {
  try {
    return txtRecords(await dns.resolve(name, "TXT"));
  } catch (error) {
    if (isNoRecord(error)) return [];
    throw error;
  }
}

const SPF_ALL: Record<string, string> = { fail: "-all", softfail: "~all", neutral: "?all", pass: "+all" };

interface SpfEvaluation {
  /** mailauth's result: pass, fail, softfail, neutral, none, permerror or temperror. */
  result: string;
  /** The SPF records at the domain (more than one is itself an error). */
  records: string[];
  /** Every name whose TXT record the evaluation asked for: the domain, its includes and redirects. */
  visited: Set<string>;
  comment?: string;
  code?: string;
}

export async function evaluateSpf(dns: Dns, domain: string, ip = SPF_PROBE_IP): Promise<SpfEvaluation> {
  const records = (await lookupTxt(dns, domain)).filter((record) => /^v=spf1(\s|$)/i.test(record.trim()));
  const visited = new Set<string>();
  let code: string | undefined;
  const resolver = mailauthResolver(dns, visited);
  const result = await spf({
    sender: `postmaster@${domain}`,
    ip,
    helo: domain,
    mta: "postkamer",
    maxElapsedTime: Math.max(100, dns.remainingMs()),
    resolver: (async (name: string, type: string) => {
      try {
        return await resolver(name, type);
      } catch (error) {
        if (!isNoRecord(error)) code ??= errorCode(error);
        throw error;
      }
    }) as DNSResolver,
  });
  return { result: result.status.result, records, visited, comment: result.status.comment || undefined, code };
}

/** The provider's include added to an existing record (before its catch-all), with a permissive catch-all tightened. */
function spfWithInclude(record: string, include: string, all: string): string {
  const terms = record.trim().split(/\s+/);
  const mechanism = `include:${include}`;
  if (terms.some((term) => term.toLowerCase() === mechanism)) return terms.join(" ");
  const allIndex = terms.findIndex((term) => /^[-~?+]?all$/i.test(term));
  if (allIndex >= 0) {
    if (/^[?+]/.test(terms[allIndex]!)) terms[allIndex] = all;
    terms.splice(allIndex, 0, mechanism);
  } else if (terms.some((term) => /^redirect=/i.test(term))) {
    terms.splice(1, 0, mechanism);
  } else {
    terms.push(mechanism, all);
  }
  return terms.join(" ");
}

interface Facts {
  mailHosts: "ok" | "none" | "temp";
  spf: Possible;
  dkim: Possible;
  dmarc: { policy: "none" | "quarantine" | "reject"; enforced: boolean } | null;
  permissiveSpf: string | null;
  dnsUnavailable: boolean;
}

interface CheckResult {
  check: PreflightCheck;
  temp?: boolean;
}

const check = (id: CheckId, status: CheckStatus, findings: Finding[], found: string[] = [], toAdd: SuggestedRecord[] = []): PreflightCheck => ({
  id,
  status,
  findings,
  found,
  toAdd,
});

const tempCheck = (id: CheckId, error: unknown): CheckResult => ({
  check: check(id, "warn", [{ key: "dnsUnavailable", vars: { code: errorCode(error) ?? "unknown" } }]),
  temp: true,
});

async function checkMailHosts(domain: string, dnsServers: readonly string[], timeoutMs: number): Promise<CheckResult & { state: Facts["mailHosts"] }> {
  try {
    const { hosts, lookups } = await resolveMailHosts(domain, { dnsServers, timeoutMs });
    return { state: "ok", check: check("mx", "ok", [{ key: "mailHosts", vars: { hosts: hosts.map((host) => host.exchange).join(", ") } }], lookups) };
  } catch (error) {
    if (error instanceof MailDomainError && (error.reason === "DNS_FAILURE" || error.reason === "TIMEOUT")) {
      const { check: failed } = tempCheck("mx", { code: error.code ?? error.reason });
      return { state: "temp", temp: true, check: { ...failed, found: error.lookups } };
    }
    if (error instanceof MailDomainError) {
      return { state: "none", check: check("mx", "fail", [{ key: "noMailHosts", vars: { domain } }], error.lookups) };
    }
    throw error;
  }
}

interface DmarcFacts {
  record: { policy: "none" | "quarantine" | "reject"; pct: number; adkim: string; aspf: string } | null;
}

async function checkDmarc(dns: Dns, domain: string): Promise<CheckResult & DmarcFacts> {
  let record: Awaited<ReturnType<typeof getDmarcRecord>>;
  try {
    record = await getDmarcRecord(domain, mailauthResolver(dns));
  } catch (error) {
    return { record: null, ...tempCheck("dmarc", error) };
  }
  const missing = (findings: Finding[], found: string[]): CheckResult & DmarcFacts => ({
    record: null,
    // Where to add it is filled in later: the value depends on whether SPF or DKIM can pass yet.
    check: check("dmarc", "warn", findings, found),
  });
  if (!record) return missing([{ key: "dmarcMissing", vars: { name: `_dmarc.${domain}` } }], []);
  const found = [`TXT _dmarc.${record.recordDomain} → ${record.rr}`];
  const tags = getDmarcRecord.getPolicyTags(record);
  if (!tags) return missing([{ key: "dmarcInvalid" }], found);
  // A subdomain that inherits the organizational domain's record gets its sp= policy, if any.
  // getPolicyTags keeps sp only when it is a valid policy.
  const policy = (record.isOrgRecord ? (tags.sp ?? tags.p) : tags.p) as "none" | "quarantine" | "reject";
  const pct = typeof record.pct === "number" ? record.pct : 100;
  const adkim = record.adkim === "s" ? "s" : "r";
  const aspf = record.aspf === "s" ? "s" : "r";
  const findings: Finding[] = [{ key: policy === "none" ? "dmarcMonitorOnly" : "dmarcPolicy", vars: { policy, pct, adkim, aspf } }];
  if (record.isOrgRecord) findings.push({ key: "dmarcInherited", vars: { domain: record.recordDomain } });
  return { record: { policy, pct, adkim, aspf }, check: check("dmarc", policy === "none" ? "warn" : "ok", findings, found) };
}

interface DkimFacts {
  state: Possible;
}

type SelectorState =
  | { kind: "key"; found: string[] }
  | { kind: "missing" }
  | { kind: "noKey"; found: string[]; code: string }
  | { kind: "foreign"; found: string[]; target: string }
  | { kind: "temp"; error: unknown };

async function lookupSelector(dns: Dns, domain: string, selector: DkimSelector): Promise<SelectorState> {
  const name = `${selector.selector}._domainkey.${domain}`;
  const found: string[] = [];
  if (selector.type === "CNAME") {
    try {
      const [target] = (await dns.resolve(name, "CNAME")) as string[];
      if (target) {
        found.push(`CNAME ${name} → ${target}`);
        // A key behind someone else's CNAME cannot verify what this provider signs.
        const normalized = target.toLowerCase().replace(/\.$/, "");
        if (selector.targetSuffixes && !selector.targetSuffixes.some((suffix) => normalized.endsWith(suffix))) {
          return { kind: "foreign", found, target: normalized };
        }
      }
    } catch (error) {
      if (!isNoRecord(error)) return { kind: "temp", error };
    }
  }
  try {
    const key = await getPublicKey("DKIM", name, 1024, mailauthResolver(dns));
    const shown = key.rr.length > 72 ? `${key.rr.slice(0, 72)}…` : key.rr;
    return { kind: "key", found: [...found, `TXT ${name} → ${shown}`] };
  } catch (error) {
    const code = errorCode(error) ?? "unknown";
    if (isNoRecord(error)) return found.length > 0 ? { kind: "noKey", found, code } : { kind: "missing" };
    // mailauth's own key errors (EINVALIDVAL, ESHORTKEY, …) mean a record is there but unusable.
    if (/^E(INVALID|SHORTKEY)/.test(code)) return { kind: "noKey", found, code };
    return { kind: "temp", error };
  }
}

async function checkDkim(dns: Dns, domain: string, provider: DmarcProvider, serverLabel: string): Promise<CheckResult & DkimFacts> {
  const setup = provider.dkim;
  if (setup.kind === "unknown") {
    return { state: "unknown", check: check("dkim", "warn", [{ key: "dkimUnknownSelector", vars: { domain } }]) };
  }
  if (setup.kind === "console") {
    const example = setup.example;
    return {
      state: "unknown",
      check: check(
        "dkim",
        "warn",
        [{ key: "dkimInConsole", vars: { count: setup.count } }],
        [],
        [
          {
            type: example.type,
            name: `${example.selector}._domainkey.${domain}`,
            value: example.value(domain),
            note: { key: "consoleTokens", vars: { count: setup.count } },
          },
        ],
      ),
    };
  }
  const states = await Promise.all(setup.selectors.map((selector) => lookupSelector(dns, domain, selector)));
  const withKey = states.flatMap((state, index) => (state.kind === "key" ? [{ state, selector: setup.selectors[index]! }] : []));
  if (withKey.length > 0) {
    return {
      state: "yes",
      check: check(
        "dkim",
        "ok",
        [{ key: "dkimKeyFound", vars: { selectors: withKey.map(({ selector }) => selector.selector).join(", ") } }],
        withKey.flatMap(({ state }) => state.found),
      ),
    };
  }
  const temp = states.find((state) => state.kind === "temp");
  if (temp) return { state: "unknown", ...tempCheck("dkim", temp.error) };
  const unusable = states.flatMap((state, index): { finding: Finding; found: string[] }[] => {
    const selector = setup.selectors[index]!.selector;
    if (state.kind === "noKey") return [{ finding: { key: "dkimNoKey", vars: { selector, code: state.code } }, found: state.found }];
    if (state.kind === "foreign")
      return [{ finding: { key: "dkimForeignTarget", vars: { selector, target: state.target, server: serverLabel } }, found: state.found }];
    return [];
  });
  if (unusable.length > 0) {
    return {
      state: "unknown",
      check: check(
        "dkim",
        "warn",
        unusable.map(({ finding }) => finding),
        unusable.flatMap(({ found }) => found),
      ),
    };
  }
  // The TXT selectors some providers used before their CNAMEs (Brevo's mail._domainkey) are
  // accepted when found, but not suggested.
  const suggested = setup.selectors.filter((selector) => selector.type === "CNAME" || setup.selectors.every((s) => s.type === "TXT"));
  return {
    state: "no",
    check: check(
      "dkim",
      "fail",
      [{ key: "dkimMissing", vars: { selectors: setup.selectors.map((s) => s.selector).join(", "), server: serverLabel, domain } }],
      [],
      suggested.map((selector) => ({
        type: selector.type,
        name: `${selector.selector}._domainkey.${domain}`,
        value: selector.value(domain),
        note: { key: "fromConsole" },
      })),
    ),
  };
}

interface SpfFacts {
  /** Can SPF give an aligned pass for this server? */
  state: Possible;
  /** "+all" or "?all" when the domain's record ends that way. */
  permissive: string | null;
}

async function checkSpf(
  dns: Dns,
  domain: string,
  provider: DmarcProvider,
  input: PreflightInput,
  serverLabel: string,
  options: Required<PreflightOptions>,
): Promise<CheckResult & SpfFacts> {
  let probe: SpfEvaluation;
  try {
    probe = await evaluateSpf(dns, domain);
  } catch (error) {
    return { state: "unknown", permissive: null, ...tempCheck("spf", error) };
  }
  if (probe.result === "temperror") return { state: "unknown", permissive: null, ...tempCheck("spf", { code: probe.code ?? "ETIMEOUT" }) };
  const found = probe.records.map((record) => `TXT ${domain} → ${record}`);
  const all = SPF_ALL[probe.result] ?? null;
  const permissive = all === "+all" || all === "?all" ? all : null;
  const ending: Finding[] = all ? [{ key: permissive ? "spfPermissive" : "spfEnding", vars: { all } }] : [];

  if (provider.envelope === "provider") {
    // SPF at the From domain does not decide DMARC for these providers; its record is still reported.
    const findings: Finding[] = [{ key: "spfNotForDmarc", vars: { server: serverLabel } }];
    if (probe.result === "none") findings.unshift({ key: "spfMissing", vars: { domain } });
    if (probe.result === "permerror") findings.unshift({ key: "spfInvalid", vars: { error: probe.comment ?? "permerror" } });
    const status = permissive || probe.result === "permerror" || probe.result === "none" ? "warn" : "ok";
    return { state: "no", permissive, check: check("spf", status, [...findings, ...ending], found) };
  }

  if (probe.result === "permerror") {
    return { state: "no", permissive: null, check: check("spf", "fail", [{ key: "spfInvalid", vars: { error: probe.comment ?? "permerror" } }], found) };
  }

  if (!provider.spfInclude) {
    // A generic server: is the address we connect to authorized? Its outgoing address may differ.
    if (probe.result === "none") return { state: "no", permissive: null, check: check("spf", "warn", [{ key: "spfMissing", vars: { domain } }], found) };
    const hostCheck = await spfForHost(dns, domain, input.host, options);
    if (hostCheck?.authorized) {
      return {
        state: "yes",
        permissive,
        check: check("spf", permissive ? "warn" : "ok", [{ key: "spfHostAuthorized", vars: hostCheck.vars }, ...ending], found),
      };
    }
    return {
      state: "unknown",
      permissive,
      check: check("spf", "warn", [{ key: "spfHostUnknown", vars: hostCheck?.vars ?? { host: input.host ?? "?", ip: "?" } }, ...ending], found),
    };
  }

  const include = provider.spfInclude;
  const authorized = probe.visited.has(include);
  if (provider.envelope === "customMailFrom") {
    const findings: Finding[] = [{ key: "spfCustomMailFrom", vars: { server: serverLabel } }];
    if (probe.result === "none") findings.unshift({ key: "spfMissing", vars: { domain } });
    return { state: "unknown", permissive, check: check("spf", permissive || probe.result === "none" ? "warn" : "ok", [...findings, ...ending], found) };
  }
  if (probe.result === "none") {
    return {
      state: "no",
      permissive: null,
      check: check("spf", "fail", [{ key: "spfMissing", vars: { domain } }], found, [
        { type: "TXT", name: domain, value: `v=spf1 include:${include} ${provider.spfAll}` },
      ]),
    };
  }
  if (!authorized) {
    // One domain may publish only one SPF record: the include goes into the existing one.
    const existing = probe.records[0]!;
    return {
      state: "no",
      permissive,
      check: check("spf", "fail", [{ key: "spfIncludeMissing", vars: { include, server: serverLabel } }, ...ending], found, [
        { type: "TXT", name: domain, value: spfWithInclude(existing, include, provider.spfAll), replaces: existing, note: { key: "replacesSpf" } },
      ]),
    };
  }
  return { state: "yes", permissive, check: check("spf", permissive ? "warn" : "ok", [{ key: "spfAuthorized", vars: { include } }, ...ending], found) };
}

/** For a generic server: SPF evaluated for the address of the host Postkamer connects to. */
async function spfForHost(dns: Dns, domain: string, host: string | null | undefined, options: Required<PreflightOptions>) {
  if (!host) return null;
  let ip: string | undefined = isIP(host) ? host : undefined;
  if (!ip) {
    try {
      const { addresses } = await resolveHostAddresses(host, { dnsServers: options.dnsServers, timeoutMs: Math.max(100, dns.remainingMs()) });
      ip = addresses[0]?.address;
    } catch {
      return null;
    }
  }
  if (!ip) return null;
  const result = await evaluateSpf(dns, domain, ip).catch(() => null);
  return { authorized: result?.result === "pass", vars: { host, ip } };
}

/** Amazon SES: a custom MAIL FROM domain at bounce.<domain>, the one Postkamer suggests. */
async function checkSesMailFrom(dns: Dns, domain: string, region: string, aspf: string | undefined): Promise<CheckResult & { state: Possible }> {
  const name = `${SES_MAIL_FROM_LABEL}.${domain}`;
  const feedback = sesFeedbackHost(region);
  const toAdd: SuggestedRecord[] = [
    { type: "MX", name, value: `10 ${feedback}`, note: { key: "customMailFrom" } },
    { type: "TXT", name, value: "v=spf1 include:amazonses.com ~all" },
  ];
  let exchanges: string[];
  try {
    exchanges = ((await dns.resolve(name, "MX")) as { exchange: string }[]).map((mx) => mx.exchange.toLowerCase());
  } catch (error) {
    if (!isNoRecord(error)) return { state: "unknown", ...tempCheck("mailFrom", error) };
    exchanges = [];
  }
  const sesHost = exchanges.find((exchange) => /^feedback-smtp\.[a-z0-9-]+\.amazonses\.com$/.test(exchange));
  if (!sesHost) return { state: "unknown", check: check("mailFrom", "warn", [{ key: "mailFromMissing", vars: { name } }], [], toAdd) };
  const found = [`MX ${name} → ${sesHost}`];
  let evaluation: SpfEvaluation;
  try {
    evaluation = await evaluateSpf(dns, name);
  } catch (error) {
    return { state: "unknown", ...tempCheck("mailFrom", error) };
  }
  if (evaluation.result === "temperror") return { state: "unknown", ...tempCheck("mailFrom", { code: evaluation.code ?? "ETIMEOUT" }) };
  found.push(...evaluation.records.map((record) => `TXT ${name} → ${record}`));
  if (!evaluation.visited.has("amazonses.com")) {
    return { state: "no", check: check("mailFrom", "fail", [{ key: "mailFromNoSpf", vars: { name } }], found, toAdd.slice(1)) };
  }
  // Strict SPF alignment (aspf=s) wants the MAIL FROM domain to equal the From domain exactly.
  if (aspf === "s") return { state: "no", check: check("mailFrom", "warn", [{ key: "mailFromStrict", vars: { name } }], found) };
  return { state: "yes", check: check("mailFrom", "ok", [{ key: "mailFromFound", vars: { name, host: sesHost } }], found) };
}

/** The verdict from the facts, by the rules in this module's comment. */
function decideVerdict(facts: Facts, domain: string): { verdict: PreflightVerdict; reasons: Finding<ReasonKey>[] } {
  if (facts.mailHosts === "none") return { verdict: "FAIL", reasons: [{ key: "noMailHosts", vars: { domain } }] };
  if (facts.dnsUnavailable) return { verdict: "RISK", reasons: [{ key: "dnsUnavailable" }] };
  const aligned: Finding<ReasonKey>[] = [
    ...(facts.spf === "yes" ? [{ key: "alignedSpf" as const }] : []),
    ...(facts.dkim === "yes" ? [{ key: "alignedDkim" as const }] : []),
  ];
  if (facts.dmarc?.enforced && facts.spf === "no" && facts.dkim === "no") {
    return { verdict: "FAIL", reasons: [{ key: "enforcedWithoutAlignment", vars: { policy: facts.dmarc.policy } }] };
  }
  if (aligned.length > 0 && facts.dmarc && !facts.permissiveSpf) return { verdict: "PASS", reasons: aligned };
  const reasons: Finding<ReasonKey>[] = [];
  if (!facts.dmarc) reasons.push({ key: "noDmarc" });
  if (aligned.length === 0) reasons.push({ key: facts.spf === "no" && facts.dkim === "no" ? "noAlignedPass" : "alignmentUnknown" });
  if (facts.permissiveSpf) reasons.push({ key: "permissiveSpf", vars: { all: facts.permissiveSpf } });
  return { verdict: "RISK", reasons: [...reasons, ...aligned] };
}

/** Runs every check for one sender address and server type. Never throws for DNS trouble. */
export async function runPreflight(input: PreflightInput, options: PreflightOptions = {}): Promise<PreflightReport> {
  const resolved: Required<PreflightOptions> = {
    dnsServers: options.dnsServers ?? config().DNS_SERVERS,
    timeoutMs: options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT_MS,
  };
  const domain = normalizeMailDomain(input.address.slice(input.address.lastIndexOf("@") + 1));
  if (!domain) throw new Error(`not an address with a domain: ${input.address}`);
  const provider = DMARC_PROVIDERS[input.serverType];
  const serverLabel = SERVER_TYPES[input.serverType].label.en;
  const dns = dnsFor(resolved.dnsServers, resolved.timeoutMs);
  try {
    const [mx, spfResult, dkim, dmarc] = await Promise.all([
      checkMailHosts(domain, resolved.dnsServers, resolved.timeoutMs),
      checkSpf(dns, domain, provider, input, serverLabel, resolved),
      checkDkim(dns, domain, provider, serverLabel),
      checkDmarc(dns, domain),
    ]);
    const mailFrom =
      provider.envelope === "customMailFrom" ? await checkSesMailFrom(dns, domain, input.region || DEFAULT_SES_REGION, dmarc.record?.aspf) : null;
    const results: CheckResult[] = [mx, spfResult, dkim, dmarc, ...(mailFrom ? [mailFrom] : [])];
    const facts: Facts = {
      mailHosts: mx.state,
      spf: mailFrom ? mailFrom.state : spfResult.state,
      dkim: dkim.state,
      dmarc: dmarc.record ? { policy: dmarc.record.policy, enforced: dmarc.record.policy !== "none" && dmarc.record.pct > 0 } : null,
      permissiveSpf: spfResult.permissive,
      dnsUnavailable: results.some((result) => result.temp),
    };
    if (!dmarc.record && !dmarc.temp) {
      // Enforcing before anything aligns would send the domain's own mail to spam: start with p=none then.
      const readyToEnforce = facts.spf === "yes" || facts.dkim === "yes";
      dmarc.check.toAdd.push({
        type: "TXT",
        name: `_dmarc.${domain}`,
        value: `v=DMARC1; p=${readyToEnforce ? "quarantine" : "none"}; rua=mailto:dmarc@${domain}`,
        note: { key: readyToEnforce ? "dmarcReportAddress" : "dmarcStartWithNone" },
      });
    }
    const { verdict, reasons } = decideVerdict(facts, domain);
    return {
      version: 1,
      domain,
      serverType: input.serverType,
      verdict,
      reasons,
      checks: results.map((result) => result.check),
      dnsUnavailable: facts.dnsUnavailable,
    };
  } finally {
    dns.close();
  }
}
