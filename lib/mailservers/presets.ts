/**
 * Mail server types and what choosing one pre-fills. Provider limits change without notice, so
 * every preset carries its source and the date it was checked; the UI shows them as
 * "as published on <date>, check your contract". Runs anywhere (no server-only imports), so the
 * form can pre-fill on the client.
 */

export const SERVER_TYPE_IDS = ["MICROSOFT_365", "GOOGLE_WORKSPACE", "GOOGLE_RELAY", "AMAZON_SES", "SENDGRID", "BREVO", "GENERIC"] as const;
export type ServerTypeId = (typeof SERVER_TYPE_IDS)[number];

export const TLS_MODES = ["STARTTLS", "IMPLICIT", "NONE"] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const AUTH_METHODS = ["PASSWORD", "OAUTH2", "NONE"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/**
 * OAuth2 (XOAUTH2) only where this platform knows the provider's token endpoint and grant: the
 * token URL comes from configuration, never from the form (see lib/config.ts).
 */
export const OAUTH_SERVER_TYPES = ["MICROSOFT_365", "GOOGLE_WORKSPACE"] as const;
export type OAuthServerType = (typeof OAUTH_SERVER_TYPES)[number];

export function supportsOAuth(type: unknown): type is OAuthServerType {
  return typeof type === "string" && (OAUTH_SERVER_TYPES as readonly string[]).includes(type);
}

/** The authentication methods the form offers for a type. */
export function authMethodsFor(type: ServerTypeId): readonly AuthMethod[] {
  return supportsOAuth(type) ? AUTH_METHODS : AUTH_METHODS.filter((method) => method !== "OAUTH2");
}

export const LIMIT_WINDOWS = ["SECOND", "MINUTE", "HOUR", "DAY"] as const;
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];

export const LIMIT_UNITS = ["MESSAGES", "RECIPIENTS"] as const;
export type LimitUnit = (typeof LIMIT_UNITS)[number];

/** Length of each rolling window; DAY is a rolling 24 hours, not a calendar day. */
export const WINDOW_SECONDS: Readonly<Record<LimitWindow, number>> = {
  SECOND: 1,
  MINUTE: 60,
  HOUR: 3600,
  DAY: 86_400,
};

export interface SendingLimit {
  count: number;
  window: LimitWindow;
  /** "200 per 10 seconds": the window is windowSize × window; 1 when absent. */
  windowSize?: number;
  unit: LimitUnit;
}

interface LocalizedText {
  nl: string;
  en: string;
}

export const SES_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-south-1",
  "ap-south-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
] as const;
export type SesRegion = (typeof SES_REGIONS)[number];

/** Ireland: the usual choice for Dutch customers who want their data in the EU. */
export const DEFAULT_SES_REGION: SesRegion = "eu-west-1";

export function sesSmtpHost(region: SesRegion): string {
  return `email-smtp.${region}.amazonaws.com`;
}

export function isSesRegion(value: unknown): value is SesRegion {
  return typeof value === "string" && (SES_REGIONS as readonly string[]).includes(value);
}

export interface ServerType {
  id: ServerTypeId;
  label: LocalizedText;
  /** A fixed host, or (Amazon SES) a function of the region. Empty for generic SMTP. */
  host: string | ((region: SesRegion) => string);
  /** Present when the host depends on a region the administrator chooses. */
  regions?: readonly SesRegion[];
  port: number;
  tlsMode: TlsMode;
  authMethod: AuthMethod;
  /** A fixed user name to pre-fill (SendGrid's literal `apikey`). */
  username?: string;
  usernameHint?: LocalizedText;
  passwordHint?: LocalizedText;
  /** Types that support OAuth2: why it is the better choice, shown next to the method. */
  oauthHint?: LocalizedText;
  limits: readonly SendingLimit[];
  /** Larger messages are split; null when the provider publishes no cap. */
  maxRecipientsPerMessage: number | null;
  notes?: LocalizedText;
  /** Where the values come from, without URLs (they rot): publisher and document. */
  source: string;
  /** ISO date (YYYY-MM-DD) the values were checked against the source. */
  publishedOn: string;
}

const CHECKED_ON = "2026-11-26";

export const SERVER_TYPES: Readonly<Record<ServerTypeId, ServerType>> = {
  MICROSOFT_365: {
    id: "MICROSOFT_365",
    label: { nl: "Microsoft 365 / Exchange Online", en: "Microsoft 365 / Exchange Online" },
    host: "smtp.office365.com",
    port: 587,
    tlsMode: "STARTTLS",
    // Microsoft switches basic SMTP AUTH off; a password still works where a tenant keeps it on.
    authMethod: "OAUTH2",
    usernameHint: {
      nl: "Het volledige e-mailadres van de mailbox waarmee wordt verzonden.",
      en: "The full e-mail address of the mailbox used for sending.",
    },
    passwordHint: {
      nl: "Het wachtwoord van die mailbox. Let op: dit werkt alleen zolang SMTP AUTH met wachtwoord (basic auth) in je organisatie aan staat; Microsoft zet dat eind december 2026 uit, daarna lukt verzenden zo niet meer.",
      en: "That mailbox's password. Note: this only works while SMTP AUTH with a password (basic auth) is on in your organisation; Microsoft turns it off at the end of December 2026, after which sending this way stops working.",
    },
    oauthHint: {
      nl: "Aanbevolen: OAuth2. Microsoft schakelt aanmelden met wachtwoord (basic auth) voor SMTP eind december 2026 uit. Registreer een app in Entra ID met de toepassingsmachtiging SMTP.SendAsApp en geef die toegang tot de mailbox.",
      en: "Recommended: OAuth2. Microsoft turns off password sign-in (basic auth) for SMTP at the end of December 2026. Register an app in Entra ID with the application permission SMTP.SendAsApp and give it access to the mailbox.",
    },
    limits: [
      { count: 30, window: "MINUTE", unit: "MESSAGES" },
      { count: 10_000, window: "DAY", unit: "RECIPIENTS" },
    ],
    maxRecipientsPerMessage: 500,
    notes: {
      nl: "SMTP AUTH moet per mailbox zijn ingeschakeld, ook met OAuth2. Aanmelden met wachtwoord schakelt Microsoft vanaf eind december 2026 uit voor bestaande organisaties: kies OAuth2.",
      en: "SMTP AUTH must be enabled per mailbox, also with OAuth2. Microsoft turns off password sign-in for existing tenants from the end of December 2026: choose OAuth2.",
    },
    source: "Microsoft Learn, Exchange Online limits (sending limits) and SMTP AUTH client submission",
    publishedOn: CHECKED_ON,
  },
  GOOGLE_WORKSPACE: {
    id: "GOOGLE_WORKSPACE",
    label: { nl: "Google Workspace (mailbox)", en: "Google Workspace (mailbox)" },
    host: "smtp.gmail.com",
    port: 587,
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    usernameHint: { nl: "Het volledige e-mailadres van het Google-account.", en: "The Google account's full e-mail address." },
    passwordHint: {
      nl: "Een app-wachtwoord van het Google-account (het gewone wachtwoord werkt niet met tweestapsverificatie).",
      en: "An app password of the Google account (the normal password does not work with 2-step verification).",
    },
    oauthHint: {
      nl: "Aanbevolen: OAuth2 met een serviceaccount. Geef het serviceaccount in de Google-beheerconsole domeinbrede toegang (domain-wide delegation) voor het bereik https://mail.google.com/ en plak hier de JSON-sleutel.",
      en: "Recommended: OAuth2 with a service account. Grant the service account domain-wide delegation for the scope https://mail.google.com/ in the Google Admin console and paste its JSON key here.",
    },
    limits: [
      { count: 2_000, window: "DAY", unit: "MESSAGES" },
      { count: 10_000, window: "DAY", unit: "RECIPIENTS" },
    ],
    maxRecipientsPerMessage: 100,
    source: "Google Workspace Admin Help, Gmail sending limits in Google Workspace",
    publishedOn: CHECKED_ON,
  },
  GOOGLE_RELAY: {
    id: "GOOGLE_RELAY",
    label: { nl: "Google Workspace SMTP-relay", en: "Google Workspace SMTP relay" },
    host: "smtp-relay.gmail.com",
    port: 587,
    tlsMode: "STARTTLS",
    // Google also relays by IP address, but this platform's addresses are shared by all of its
    // customers: an IP allow-list would let other customers relay through this domain.
    authMethod: "PASSWORD",
    usernameHint: { nl: "Het e-mailadres van een gebruiker in het Workspace-domein.", en: "The e-mail address of a user in the Workspace domain." },
    passwordHint: { nl: "Een app-wachtwoord van die gebruiker.", en: "An app password of that user." },
    limits: [{ count: 10_000, window: "DAY", unit: "RECIPIENTS" }],
    maxRecipientsPerMessage: 100,
    notes: {
      nl: "Zet in de Google-beheerconsole bij SMTP-relay 'SMTP-verificatie vereisen' en 'TLS-versleuteling vereisen' aan.",
      en: "In the Google Admin console, turn on 'Require SMTP Authentication' and 'Require TLS encryption' for the SMTP relay.",
    },
    source: "Google Workspace Admin Help, SMTP relay: route outgoing non-Gmail messages, and Gmail sending limits",
    publishedOn: CHECKED_ON,
  },
  AMAZON_SES: {
    id: "AMAZON_SES",
    label: { nl: "Amazon SES", en: "Amazon SES" },
    host: sesSmtpHost,
    regions: SES_REGIONS,
    port: 587,
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    usernameHint: {
      nl: "De SMTP-gebruikersnaam uit de SES-console (niet de IAM-toegangssleutel).",
      en: "The SMTP user name from the SES console (not the IAM access key).",
    },
    passwordHint: { nl: "Het SMTP-wachtwoord dat SES daarbij gaf.", en: "The SMTP password SES issued with it." },
    // The sandbox quota; an account in production has its own, shown in the SES console.
    limits: [
      { count: 1, window: "SECOND", unit: "MESSAGES" },
      { count: 200, window: "DAY", unit: "RECIPIENTS" },
    ],
    maxRecipientsPerMessage: 50,
    notes: {
      nl: "Vooringevuld is het sandbox-quotum. Verhoog de limieten tot het quotum van je SES-account; boven het quotum laat SES berichten vallen.",
      en: "Pre-filled is the sandbox quota. Raise the limits to your SES account's quota; above it SES drops messages.",
    },
    source: "Amazon SES Developer Guide, service quotas and SMTP endpoints",
    publishedOn: CHECKED_ON,
  },
  SENDGRID: {
    id: "SENDGRID",
    label: { nl: "SendGrid", en: "SendGrid" },
    host: "smtp.sendgrid.net",
    port: 587,
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    username: "apikey",
    usernameHint: { nl: "Letterlijk 'apikey'.", en: "Literally 'apikey'." },
    passwordHint: { nl: "Een API-sleutel met het recht 'Mail Send'.", en: "An API key with the 'Mail Send' permission." },
    limits: [],
    maxRecipientsPerMessage: null,
    notes: {
      nl: "De limieten hangen af van je abonnement; vul ze zelf in.",
      en: "The limits depend on your plan; fill them in yourself.",
    },
    source: "Twilio SendGrid Docs, Integrating with the SMTP API",
    publishedOn: CHECKED_ON,
  },
  BREVO: {
    id: "BREVO",
    label: { nl: "Brevo", en: "Brevo" },
    host: "smtp-relay.brevo.com",
    port: 587,
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    usernameHint: { nl: "De SMTP-login uit Brevo (SMTP & API).", en: "The SMTP login from Brevo (SMTP & API)." },
    passwordHint: { nl: "Een SMTP-sleutel uit Brevo.", en: "An SMTP key from Brevo." },
    // Brevo counts every recipient as one e-mail, so counting recipients never exceeds it.
    limits: [{ count: 300, window: "DAY", unit: "RECIPIENTS" }],
    maxRecipientsPerMessage: null,
    notes: {
      nl: "Vooringevuld is het gratis abonnement (300 per dag); pas dit aan je abonnement aan.",
      en: "Pre-filled is the free plan (300 per day); adjust it to your plan.",
    },
    source: "Brevo Help Center, SMTP relay settings and plan sending limits",
    publishedOn: CHECKED_ON,
  },
  GENERIC: {
    id: "GENERIC",
    label: { nl: "Andere SMTP-server", en: "Generic SMTP server" },
    host: "",
    port: 587,
    tlsMode: "STARTTLS",
    authMethod: "PASSWORD",
    limits: [],
    maxRecipientsPerMessage: null,
    source: "RFC 6409 (message submission on port 587)",
    publishedOn: CHECKED_ON,
  },
};

export function isServerTypeId(value: unknown): value is ServerTypeId {
  return typeof value === "string" && (SERVER_TYPE_IDS as readonly string[]).includes(value);
}

/** The values a form pre-fills for a type; a fresh copy, so editing it never touches the preset. */
export interface PresetValues {
  type: ServerTypeId;
  host: string;
  port: number;
  tlsMode: TlsMode;
  authMethod: AuthMethod;
  username: string;
  region?: SesRegion;
  limits: SendingLimit[];
  maxRecipientsPerMessage: number | null;
}

export function presetFor(type: ServerTypeId, options: { region?: string } = {}): PresetValues {
  const preset = SERVER_TYPES[type];
  let host: string;
  let region: SesRegion | undefined;
  if (typeof preset.host === "function") {
    const wanted = options.region ?? DEFAULT_SES_REGION;
    if (!isSesRegion(wanted)) throw new RangeError(`Unknown Amazon SES region "${wanted}"`);
    region = wanted;
    host = preset.host(region);
  } else {
    host = preset.host;
  }
  return {
    type,
    host,
    port: preset.port,
    tlsMode: preset.tlsMode,
    authMethod: preset.authMethod,
    username: preset.username ?? "",
    ...(region ? { region } : {}),
    limits: preset.limits.map((limit) => ({ ...limit })),
    maxRecipientsPerMessage: preset.maxRecipientsPerMessage,
  };
}
