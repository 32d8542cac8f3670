import type { ServerTypeId } from "@/lib/mailservers/presets.ts";
import type { LocalizedText } from "@/lib/smtp/replies.ts";

/**
 * What each server type needs in the sender domain's DNS to pass DMARC, as data in one place.
 * Providers change their records without notice, so every entry names its source (publisher and
 * document, no URLs: they rot) and the date it was checked; lib/senders/preflight.ts reads only
 * this table and knows no provider by name.
 */

export type EnvelopeSender =
  /** MAIL FROM is the sender's own address: an SPF pass at the From domain is aligned. */
  | "sender"
  /** MAIL FROM is the provider's domain unless a custom MAIL FROM subdomain is set up (Amazon SES). */
  | "customMailFrom"
  /** MAIL FROM is the provider's own or a delegated bounce domain: SPF at the From domain does not decide DMARC, DKIM does. */
  | "provider";

/** Where in the provider's console the exact values are, in the console's own words. */

export interface DkimSelector {
  selector: string;
  /** How the provider has it published: a CNAME to the provider's key, or the key itself as TXT. */
  type: "CNAME" | "TXT";
  /** Suffixes a correct CNAME target ends in. */
  targetSuffixes?: readonly string[];
  /** The value to publish; `<…>` parts come from the provider's console. */
  value: (domain: string) => string;
}

export type DkimSetup =
  /** Known selectors, looked up in DNS. One working selector is enough (the other is for key rotation). */
  | { kind: "selectors"; selectors: readonly DkimSelector[]; where: LocalizedText }
  /** Selectors are per-account tokens that only the provider's console shows (Amazon SES Easy DKIM). */
  | { kind: "console"; example: DkimSelector; count: number; where: LocalizedText }
  /** A server of the customer's own: its selector is not known to us. */
  | { kind: "unknown" };

export interface DmarcProvider {
  /** The include the provider asks for in the SPF record of the envelope domain; null when it asks for none. */
  spfInclude: string | null;
  /** The SPF ending the provider recommends when a new record has to be written. */
  spfAll: "-all" | "~all";
  envelope: EnvelopeSender;
  dkim: DkimSetup;
  /** Where the values come from, without URLs: publisher and document. */
  source: string;
  /** ISO date (YYYY-MM-DD) the values were checked against the source. */
  checkedOn: string;
}

/** "klant.nl" → "klant-nl": the form Microsoft and Brevo use inside their DKIM targets. */
const dashed = (domain: string) => domain.replace(/\./g, "-");

const GOOGLE: DmarcProvider = {
  spfInclude: "_spf.google.com",
  spfAll: "~all",
  envelope: "sender",
  dkim: {
    kind: "selectors",
    where: {
      nl: "Google Admin › Apps › Google Workspace › Gmail › E-mail verifiëren",
      en: "Google Admin › Apps › Google Workspace › Gmail › Authenticate email",
    },
    selectors: [{ selector: "google", type: "TXT", value: () => "v=DKIM1; k=rsa; p=<public-key>" }],
  },
  source: "Google Workspace Admin Help: Set up SPF; Set up DKIM; Set up DMARC",
  checkedOn: "2026-11-27",
};

export const DMARC_PROVIDERS: Readonly<Record<ServerTypeId, DmarcProvider>> = {
  MICROSOFT_365: {
    spfInclude: "spf.protection.outlook.com",
    spfAll: "-all",
    envelope: "sender",
    dkim: {
      kind: "selectors",
      where: {
        nl: "Microsoft Defender › E-mail en samenwerking › Beleid en regels › Bedreigingsbeleid › E-mailverificatie-instellingen › DKIM",
        en: "Microsoft Defender › Email & collaboration › Policies & rules › Threat policies › Email authentication settings › DKIM",
      },
      selectors: ["selector1", "selector2"].map((selector) => ({
        selector,
        type: "CNAME" as const,
        // Domains added before May 2025 point at <tenant>.onmicrosoft.com; newer ones at
        // <tenant>.<x>-v1.dkim.mail.microsoft.
        targetSuffixes: [".onmicrosoft.com", ".dkim.mail.microsoft"],
        value: (domain: string) => `${selector}-${dashed(domain)}._domainkey.<tenant>.onmicrosoft.com`,
      })),
    },
    source: "Microsoft Learn: Set up SPF to identify valid email sources for your Microsoft 365 domain; How to use DKIM for email in your custom domain",
    checkedOn: "2026-11-27",
  },
  GOOGLE_WORKSPACE: GOOGLE,
  // The relay sends with the envelope Postkamer gives it (the sender's address) and signs with the
  // domain's Workspace DKIM key when one is set up.
  GOOGLE_RELAY: GOOGLE,
  AMAZON_SES: {
    spfInclude: "amazonses.com",
    spfAll: "~all",
    envelope: "customMailFrom",
    dkim: {
      kind: "console",
      where: { nl: "Amazon SES-console › Identities › <domein> › Authentication", en: "Amazon SES console › Identities › <domain> › Authentication" },
      count: 3,
      example: { selector: "<token>", type: "CNAME", value: () => "<token>.dkim.amazonses.com" },
    },
    source: "Amazon SES Developer Guide: Easy DKIM in Amazon SES; Using a custom MAIL FROM domain",
    checkedOn: "2026-11-27",
  },
  SENDGRID: {
    // Only for "manual security"; with the default automated security the em#### subdomain carries SPF.
    spfInclude: "sendgrid.net",
    spfAll: "~all",
    envelope: "provider",
    dkim: {
      kind: "selectors",
      where: { nl: "SendGrid › Settings › Sender Authentication", en: "SendGrid › Settings › Sender Authentication" },
      selectors: ["s1", "s2"].map((selector) => ({
        selector,
        type: "CNAME" as const,
        targetSuffixes: [".sendgrid.net"],
        value: () => `${selector}.domainkey.u<account-id>.wl.sendgrid.net`,
      })),
    },
    source: "Twilio SendGrid Docs: How to set up domain authentication (automated security)",
    checkedOn: "2026-11-27",
  },
  BREVO: {
    // Brevo's bounce address is its own domain, so SPF never aligns; its help centre no longer
    // asks for include:spf.brevo.com and authenticates domains with DKIM (and a brevo-code TXT).
    spfInclude: null,
    spfAll: "~all",
    envelope: "provider",
    dkim: {
      kind: "selectors",
      where: { nl: "Brevo › Afzenders, domeinen en toegewezen IP's › Domeinen", en: "Brevo › Senders, Domains & Dedicated IPs › Domains" },
      selectors: [
        ...["brevo1", "brevo2"].map((selector, index) => ({
          selector,
          type: "CNAME" as const,
          targetSuffixes: [".dkim.brevo.com"],
          value: (domain: string) => `b${index + 1}.${dashed(domain)}.dkim.brevo.com`,
        })),
        // Domains authenticated before the CNAME records were introduced carry the key as TXT.
        { selector: "mail", type: "TXT" as const, value: () => "k=rsa;p=<public-key>" },
      ],
    },
    source: "Brevo Help Center: Authenticate your domain with Brevo (Brevo code, DKIM, DMARC); Brevo API docs: Domain authentication and validation",
    checkedOn: "2026-11-27",
  },
  GENERIC: {
    spfInclude: null,
    spfAll: "~all",
    // Postkamer hands the customer's server the sender's address as MAIL FROM.
    envelope: "sender",
    dkim: { kind: "unknown" },
    source: "RFC 7208 (SPF), RFC 6376 (DKIM), RFC 7489 (DMARC)",
    checkedOn: "2026-11-27",
  },
};

/** The custom MAIL FROM subdomain Postkamer suggests for Amazon SES, and the feedback host of a region. */
export const SES_MAIL_FROM_LABEL = "bounce";
export const sesFeedbackHost = (region: string) => `feedback-smtp.${region}.amazonses.com`;
