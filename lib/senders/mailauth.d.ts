// Types for the two mailauth modules the DMARC preflight uses that ship without declarations
// (mailauth 7.1: lib/dmarc/get-dmarc-record.js and lib/tools.js). Only what preflight.ts calls.

declare module "mailauth/lib/dmarc/get-dmarc-record.js" {
  import type { DNSResolver } from "mailauth";

  /** A DMARC record as mailauth parses it: tag names lower case, pct/ri as numbers, `rr` the record text. */
  export interface DmarcRecord {
    v?: string;
    p?: string;
    sp?: string;
    np?: string;
    pct?: number;
    adkim?: string;
    aspf?: string;
    rua?: string;
    psd?: string;
    rr: string;
    [tag: string]: unknown;
  }

  /** The applicable record, found at the domain or by the RFC 9989 tree walk; false when none. Throws on DNS failures. */
  function getDmarcRecord(
    domain: string,
    resolver?: DNSResolver,
    opts?: { strict?: boolean },
  ): Promise<(DmarcRecord & { isOrgRecord: boolean; recordDomain: string; orgDomain: string }) | false>;

  namespace getDmarcRecord {
    /** The policy tags a record is applied with; null when the record gets no DMARC processing at all. */
    function getPolicyTags(record: DmarcRecord): { p: "none" | "quarantine" | "reject"; sp?: string; np?: string } | null;
  }

  export default getDmarcRecord;
}

declare module "mailauth/lib/tools.js" {
  import type { DNSResolver } from "mailauth";

  /** Fetches and validates a DKIM key record (RFC 6376 §3.6); throws with a code (ENOTFOUND, ENODATA, EINVALIDVAL, ESHORTKEY, …). */
  export function getPublicKey(
    type: "DKIM",
    name: string,
    minBitLength?: number,
    resolver?: DNSResolver,
    options?: { strict?: boolean },
  ): Promise<{ publicKey: string; rr: string; modulusLength?: number; keyType?: string }>;
}
