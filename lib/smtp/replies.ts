/**
 * The one place that knows SMTP reply codes: parsing a reply, deciding what an outcome means for
 * delivery (retry, pause, give up) and explaining it to an administrator.
 *
 * Classification goes by the numeric reply code and the RFC 3463 enhanced status code, never by
 * nodemailer's error name alone: nodemailer reports a temporary `421` at DATA as `EENVELOPE`, and
 * providers use 5xx replies for conditions that only mean "slow down".
 */

export type ReplyClass = "success" | "transient" | "permanent" | "throttled" | "auth" | "config";

export interface ParsedReply {
  /** Three-digit reply code, e.g. 535. */
  code: number;
  /** RFC 3463 enhanced status code when the server sent one, e.g. "5.7.139". */
  enhanced?: string;
  /** The human-readable text, without the codes; lines of a multi-line reply joined by "\n". */
  text: string;
}

/**
 * What went wrong (or right) in one SMTP exchange. The shape of a nodemailer error, so a caught
 * error can be passed as it is; the probe builds the same shape for its own steps.
 */
export interface SmtpOutcome {
  /** Numeric SMTP reply code; nodemailer sets it when a reply caused the error. */
  responseCode?: number | false;
  /** The full reply line(s) from the server, e.g. "535 5.7.139 Authentication unsuccessful". */
  response?: string | false;
  /** nodemailer error category: ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, EAUTH, EENVELOPE … */
  code?: string;
  /** The system or TLS error code nodemailer replaced, e.g. ECONNREFUSED, CERT_HAS_EXPIRED. */
  originalCode?: string;
  /** The SMTP command that got the reply: CONN, EHLO, STARTTLS, AUTH PLAIN, MAIL FROM, RCPT TO, DATA … */
  command?: string;
  /** Error message, used only to recognise system errors that carry no code. */
  message?: string;
}

export interface LocalizedText {
  nl: string;
  en: string;
}

/** An explanation an administrator can act on: what happened, and (when known) what to do. */
export interface ReplyExplanation {
  id: ExplanationId;
  nl: string;
  en: string;
  action?: LocalizedText;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const REPLY_LINE = /^(\d{3})([ -])?(.*)$/;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

/**
 * Parses a (possibly multi-line) SMTP reply. Returns undefined when the text does not start with
 * a reply code, e.g. a system error message.
 */
export function parseReply(text: string): ParsedReply | undefined {
  const lines = text.replace(/\r/g, "").split("\n").filter((line) => line.trim() !== "");
  const first = lines[0] !== undefined ? REPLY_LINE.exec(lines[0].trim()) : null;
  if (!first) return undefined;
  const code = Number(first[1]);
  let enhanced: string | undefined;
  const texts = lines.map((line) => {
    const match = REPLY_LINE.exec(line.trim());
    // Continuation lines without a code (as some libraries join them) are kept as text.
    let rest = match && Number(match[1]) === code ? (match[3] ?? "").trim() : line.trim();
    const status = ENHANCED.exec(rest);
    if (status) {
      enhanced ??= status[0];
      rest = rest.slice(status[0].length).trim();
    }
    return rest;
  });
  return { code, ...(enhanced ? { enhanced } : {}), text: texts.filter(Boolean).join("\n") };
}

interface Normalized {
  code?: number;
  enhanced?: string;
  text: string;
  errorCode?: string;
  originalCode?: string;
  command?: string;
  message: string;
}

function normalize(outcome: SmtpOutcome): Normalized {
  const parsed = outcome.response ? parseReply(outcome.response) : undefined;
  const responseCode = typeof outcome.responseCode === "number" && outcome.responseCode > 0 ? outcome.responseCode : undefined;
  return {
    code: responseCode ?? parsed?.code,
    // Some errors carry only an enhanced status code ("5.1.1 bad address"); it still has a class.
    enhanced: parsed?.enhanced ?? (outcome.response ? ENHANCED.exec(outcome.response.trim())?.[0] : undefined),
    text: parsed?.text ?? (outcome.response || ""),
    errorCode: outcome.code?.toUpperCase(),
    originalCode: outcome.originalCode?.toUpperCase(),
    command: outcome.command?.toUpperCase(),
    message: outcome.message ?? "",
  };
}

// ---------------------------------------------------------------------------------------------
// Catalogue of known outcomes. Order matters: the first entry that matches wins, so specific
// provider replies come before the generic reply code they share (Google's daily relay limit and
// "relaying denied" are both `550 5.7.1`).

interface CatalogueEntry {
  id: string;
  matches: (reply: Normalized) => boolean;
  /** How delivery should treat it; absent means "decide by the reply code". */
  classification?: Exclude<ReplyClass, "success">;
  nl: string;
  en: string;
  action?: LocalizedText;
}

const systemCode = (reply: Normalized, ...codes: string[]) =>
  codes.some(
    (code) => reply.originalCode === code || reply.errorCode === code || new RegExp(`\\b${code}\\b`).test(reply.message),
  );
const isTlsStep = (reply: Normalized) => reply.command === "STARTTLS" || reply.command === "TLS" || reply.errorCode === "ETLS";

const CATALOGUE = [
  // --- Address guard and DNS -----------------------------------------------------------------
  {
    id: "host-private-address",
    matches: (r) => r.errorCode === "EHOSTREFUSED" && r.originalCode === "PRIVATE_ADDRESS",
    classification: "config",
    nl: "Deze host verwijst naar een intern, lokaal of gereserveerd netwerkadres. Zulke adressen zijn om veiligheidsredenen niet toegestaan.",
    en: "This host points to an internal, local or reserved network address. Such addresses are not allowed for security reasons.",
    action: {
      nl: "Gebruik de publieke hostnaam van de mailserver.",
      en: "Use the public host name of the mail server.",
    },
  },
  {
    id: "host-port-not-allowed",
    matches: (r) => r.errorCode === "EHOSTREFUSED" && r.originalCode === "PORT_NOT_ALLOWED",
    classification: "config",
    nl: "Deze poort is niet toegestaan. Alleen de SMTP-poorten 25, 465, 587 en 2525 kunnen worden gebruikt.",
    en: "This port is not allowed. Only the SMTP ports 25, 465, 587 and 2525 can be used.",
    action: {
      nl: "Kies poort 587 (STARTTLS) of 465 (impliciete TLS), zoals uw provider aangeeft.",
      en: "Choose port 587 (STARTTLS) or 465 (implicit TLS), as your provider specifies.",
    },
  },
  {
    id: "host-invalid",
    matches: (r) => r.errorCode === "EHOSTREFUSED" && r.originalCode === "INVALID_HOST",
    classification: "config",
    nl: "Dit is geen geldige hostnaam of geldig IP-adres.",
    en: "This is not a valid host name or IP address.",
    action: { nl: "Controleer de spelling van de host, zonder http:// of poortnummer.", en: "Check the spelling of the host, without http:// or a port number." },
  },
  {
    id: "dns-not-found",
    matches: (r) =>
      (r.errorCode === "EHOSTREFUSED" && r.originalCode === "NOT_FOUND") ||
      r.errorCode === "EDNS" ||
      systemCode(r, "ENOTFOUND", "ENODATA", "EAI_AGAIN", "ESERVFAIL"),
    classification: "transient",
    nl: "De hostnaam van de mailserver is niet gevonden in DNS.",
    en: "The mail server's host name was not found in DNS.",
    action: { nl: "Controleer de spelling van de hostnaam.", en: "Check the spelling of the host name." },
  },
  // --- Connection ------------------------------------------------------------------------------
  {
    id: "connection-refused",
    matches: (r) => systemCode(r, "ECONNREFUSED"),
    classification: "transient",
    nl: "De mailserver weigert de verbinding op deze poort: er luistert daar geen mailserver, of een firewall blokkeert de poort.",
    en: "The mail server refused the connection on this port: no mail server is listening there, or a firewall blocks the port.",
    action: {
      nl: "Controleer host en poort (meestal 587 met STARTTLS of 465 met impliciete TLS).",
      en: "Check host and port (usually 587 with STARTTLS or 465 with implicit TLS).",
    },
  },
  {
    id: "network-unreachable",
    matches: (r) => systemCode(r, "ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL"),
    classification: "transient",
    nl: "Het netwerk van de mailserver is vanaf hier niet bereikbaar.",
    en: "The mail server's network cannot be reached from here.",
    action: { nl: "Controleer de host; probeer het later opnieuw.", en: "Check the host; try again later." },
  },
  {
    id: "greeting-timeout",
    matches: (r) => r.command === "GREETING" && (r.errorCode === "ETIMEDOUT" || systemCode(r, "ETIMEDOUT")),
    classification: "transient",
    nl: "De verbinding is gemaakt, maar de server stuurde geen begroeting. Vaak verwacht de poort direct een versleutelde verbinding (poort 465), of is het geen mailserver.",
    en: "The connection was made, but the server sent no greeting. Often the port expects an encrypted connection right away (port 465), or it is not a mail server.",
    action: {
      nl: "Kies bij poort 465 'impliciete TLS'; bij poort 587 'STARTTLS'.",
      en: "With port 465 choose 'implicit TLS'; with port 587 choose 'STARTTLS'.",
    },
  },
  {
    id: "connection-timeout",
    matches: (r) => r.errorCode === "ETIMEDOUT" || systemCode(r, "ETIMEDOUT") || /timed? ?out/i.test(r.message),
    classification: "transient",
    nl: "De mailserver antwoordde niet op tijd. Vaak houdt een firewall de verbinding tegen, of klopt de host of poort niet.",
    en: "The mail server did not answer in time. Often a firewall blocks the connection, or the host or port is wrong.",
    action: {
      nl: "Controleer host en poort, en of de mailserver verbindingen van buitenaf toestaat.",
      en: "Check host and port, and whether the mail server accepts connections from outside.",
    },
  },
  // --- TLS ------------------------------------------------------------------------------------
  {
    id: "tls-self-signed",
    matches: (r) =>
      systemCode(r, "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN") || /self[- ]signed certificate/i.test(r.message),
    classification: "config",
    nl: "De mailserver gebruikt een zelfondertekend certificaat; de identiteit van de server kan niet worden gecontroleerd.",
    en: "The mail server uses a self-signed certificate; the server's identity cannot be verified.",
    action: {
      nl: "Laat de beheerder van de mailserver een certificaat van een erkende uitgever installeren. Zet 'certificaat controleren' alleen uit als u het risico kent.",
      en: "Ask the mail server's administrator to install a certificate from a trusted authority. Only turn off 'verify certificate' if you understand the risk.",
    },
  },
  {
    id: "tls-hostname-mismatch",
    matches: (r) =>
      systemCode(r, "ERR_TLS_CERT_ALTNAME_INVALID") || /altnames|does not match certificate|hostname\/ip does not match/i.test(r.message),
    classification: "config",
    nl: "Het certificaat van de mailserver hoort niet bij deze hostnaam.",
    en: "The mail server's certificate does not belong to this host name.",
    action: {
      nl: "Gebruik de hostnaam die in het certificaat staat (zoals uw provider die opgeeft), niet een IP-adres of alias.",
      en: "Use the host name in the certificate (as your provider documents it), not an IP address or alias.",
    },
  },
  {
    id: "tls-expired",
    matches: (r) => systemCode(r, "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID") || /certificate has expired|certificate is not yet valid/i.test(r.message),
    classification: "config",
    nl: "Het certificaat van de mailserver is verlopen (of nog niet geldig).",
    en: "The mail server's certificate has expired (or is not yet valid).",
    action: { nl: "Laat de beheerder van de mailserver het certificaat vernieuwen.", en: "Ask the mail server's administrator to renew the certificate." },
  },
  {
    id: "tls-untrusted",
    matches: (r) =>
      systemCode(r, "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_UNTRUSTED", "CERT_REVOKED") ||
      /unable to verify the first certificate|unable to get (local )?issuer certificate/i.test(r.message),
    classification: "config",
    nl: "Het certificaat van de mailserver is niet uitgegeven door een vertrouwde uitgever, of de tussencertificaten ontbreken.",
    en: "The mail server's certificate is not issued by a trusted authority, or its intermediate certificates are missing.",
    action: {
      nl: "Laat de beheerder van de mailserver de volledige certificaatketen installeren.",
      en: "Ask the mail server's administrator to install the full certificate chain.",
    },
  },
  {
    id: "tls-wrong-mode",
    matches: (r) =>
      systemCode(r, "ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST") ||
      /wrong version number|packet length too long|unknown protocol/i.test(r.message),
    classification: "config",
    nl: "De server spreekt op deze poort geen directe TLS. Waarschijnlijk past de TLS-instelling niet bij de poort.",
    en: "The server does not speak direct TLS on this port. The TLS setting probably does not match the port.",
    action: {
      nl: "Kies bij poort 587 of 25 'STARTTLS' en bij poort 465 'impliciete TLS'.",
      en: "With port 587 or 25 choose 'STARTTLS', with port 465 choose 'implicit TLS'.",
    },
  },
  {
    id: "starttls-not-offered",
    matches: (r) =>
      r.command === "STARTTLS" &&
      (/not offered|not advertised/i.test(r.message) || (r.code !== undefined && r.code >= 500)),
    classification: "config",
    nl: "De mailserver biedt geen STARTTLS aan, terwijl een versleutelde verbinding vereist is.",
    en: "The mail server does not offer STARTTLS, while an encrypted connection is required.",
    action: {
      nl: "Controleer de poort (465 vraagt om 'impliciete TLS') of laat de beheerder STARTTLS inschakelen. Kies 'geen TLS' alleen binnen een vertrouwd netwerk.",
      en: "Check the port (465 needs 'implicit TLS') or ask the administrator to enable STARTTLS. Only choose 'no TLS' within a trusted network.",
    },
  },
  {
    id: "tls-handshake-failed",
    matches: (r) => isTlsStep(r) && r.code === undefined,
    classification: "config",
    nl: "De versleutelde verbinding (TLS) met de mailserver kon niet worden opgezet.",
    en: "The encrypted connection (TLS) with the mail server could not be set up.",
    action: {
      nl: "Controleer de TLS-instelling en poort; mogelijk ondersteunt de server alleen verouderde TLS-versies.",
      en: "Check the TLS setting and port; the server may only support outdated TLS versions.",
    },
  },
  {
    id: "starttls-required",
    matches: (r) => ((r.code === 530 || r.code === 538) && /starttls|encryption required/i.test(r.text)) || r.enhanced === "5.7.11",
    classification: "config",
    nl: "De mailserver eist eerst een versleutelde verbinding (STARTTLS) voordat er mail of een wachtwoord mag worden verstuurd.",
    en: "The mail server requires an encrypted connection (STARTTLS) before mail or a password may be sent.",
    action: { nl: "Kies TLS-modus 'STARTTLS'.", en: "Choose TLS mode 'STARTTLS'." },
  },
  // --- Authentication ---------------------------------------------------------------------------
  {
    id: "microsoft-security-defaults",
    matches: (r) => r.enhanced === "5.7.139" && /security defaults|did not meet the criteria|locked/i.test(r.text),
    classification: "auth",
    nl: "Microsoft 365 blokkeert de aanmelding door beveiligingsstandaarden of voorwaardelijke toegang (bijvoorbeeld MFA).",
    en: "Microsoft 365 blocks the sign-in because of security defaults or conditional access (for example MFA).",
    action: {
      nl: "Gebruik OAuth2, of laat de Microsoft 365-beheerder een uitzondering maken voor dit account.",
      en: "Use OAuth2, or ask the Microsoft 365 administrator to make an exception for this account.",
    },
  },
  {
    id: "microsoft-smtp-auth-disabled",
    matches: (r) =>
      (r.enhanced === "5.7.139" && !/credentials were incorrect/i.test(r.text)) ||
      /SmtpClientAuthentication is disabled/i.test(r.text),
    classification: "auth",
    nl: "Microsoft 365 staat aanmelden met gebruikersnaam en wachtwoord via SMTP (SMTP AUTH) niet toe voor deze mailbox of organisatie.",
    en: "Microsoft 365 does not allow signing in with user name and password over SMTP (SMTP AUTH) for this mailbox or organisation.",
    action: {
      nl: "Schakel 'Geverifieerde SMTP' in voor de mailbox in het Microsoft 365-beheercentrum (of voor de hele organisatie), of gebruik OAuth2.",
      en: "Enable 'Authenticated SMTP' for the mailbox in the Microsoft 365 admin center (or for the whole organisation), or use OAuth2.",
    },
  },
  {
    id: "microsoft-client-not-authenticated",
    matches: (r) => r.enhanced === "5.7.57" || /Client was not authenticated to send/i.test(r.text),
    classification: "auth",
    nl: "De server accepteert geen mail zonder aanmelding: er is niet (geslaagd) aangemeld.",
    en: "The server does not accept mail without signing in: no (successful) sign-in took place.",
    action: {
      nl: "Kies authenticatie 'gebruikersnaam en wachtwoord' en vul het volledige e-mailadres van de mailbox in als gebruikersnaam.",
      en: "Choose authentication 'user name and password' and enter the mailbox's full e-mail address as user name.",
    },
  },
  {
    id: "google-app-password-required",
    matches: (r) => r.enhanced === "5.7.9" || /Application-specific password required/i.test(r.text),
    classification: "auth",
    nl: "Google vraagt om een app-wachtwoord: het gewone wachtwoord werkt niet voor SMTP bij een account met tweestapsverificatie.",
    en: "Google requires an app password: the normal password does not work for SMTP on an account with 2-step verification.",
    action: {
      nl: "Maak in het Google-account een app-wachtwoord aan en vul dat in als wachtwoord, of gebruik OAuth2.",
      en: "Create an app password in the Google account and enter it as password, or use OAuth2.",
    },
  },
  {
    id: "google-web-login-required",
    matches: (r) => r.enhanced === "5.7.14" || /log in via your web browser/i.test(r.text),
    classification: "auth",
    nl: "Google heeft de aanmelding geblokkeerd en vraagt eerst om aanmelden via de webbrowser.",
    en: "Google blocked the sign-in and asks to sign in through the web browser first.",
    action: {
      nl: "Meld u aan bij het Google-account in een browser, bevestig de waarschuwing en gebruik een app-wachtwoord of OAuth2.",
      en: "Sign in to the Google account in a browser, confirm the warning and use an app password or OAuth2.",
    },
  },
  {
    id: "wrong-credentials",
    matches: (r) =>
      r.code === 535 || r.enhanced === "5.7.8" || (r.errorCode === "EAUTH" && r.code === undefined && /invalid login|authentication failed/i.test(r.message)),
    classification: "auth",
    nl: "De mailserver weigert de gebruikersnaam of het wachtwoord.",
    en: "The mail server rejects the user name or password.",
    action: {
      nl: "Controleer gebruikersnaam en wachtwoord (of de SMTP-sleutel). Let op: sommige providers vragen een apart SMTP-wachtwoord of app-wachtwoord.",
      en: "Check the user name and password (or SMTP key). Note: some providers require a separate SMTP password or app password.",
    },
  },
  {
    id: "auth-not-offered",
    matches: (r) => r.command?.startsWith("AUTH") === true && /not offered|not advertised/i.test(r.message),
    classification: "config",
    nl: "De mailserver biedt geen aanmelding (SMTP AUTH) aan op deze verbinding.",
    en: "The mail server does not offer sign-in (SMTP AUTH) on this connection.",
    action: {
      nl: "Gebruik STARTTLS of impliciete TLS (veel servers bieden aanmelden alleen versleuteld aan), of kies authenticatie 'geen' als de server op IP-adres vertrouwt.",
      en: "Use STARTTLS or implicit TLS (many servers only offer sign-in over encryption), or choose authentication 'none' if the server trusts by IP address.",
    },
  },
  {
    id: "auth-mechanism-unsupported",
    matches: (r) => r.command?.startsWith("AUTH") === true && /no supported (auth|mechanism)/i.test(r.message),
    classification: "config",
    nl: "De mailserver biedt geen aanmeldmethode met wachtwoord (PLAIN of LOGIN) aan.",
    en: "The mail server offers no password sign-in method (PLAIN or LOGIN).",
    action: {
      nl: "Vraag de beheerder van de mailserver om AUTH PLAIN of LOGIN via TLS, of gebruik OAuth2 zodra dat beschikbaar is.",
      en: "Ask the mail server's administrator for AUTH PLAIN or LOGIN over TLS, or use OAuth2 once available.",
    },
  },
  {
    id: "auth-required",
    matches: (r) => r.code === 530 || (r.enhanced === "5.7.0" && /authenticat/i.test(r.text)),
    classification: "auth",
    nl: "De mailserver vereist aanmelding voordat er mail verstuurd mag worden.",
    en: "The mail server requires signing in before mail may be sent.",
    action: { nl: "Kies authenticatie 'gebruikersnaam en wachtwoord'.", en: "Choose authentication 'user name and password'." },
  },
  // --- Sender rights and provider rules ----------------------------------------------------------
  {
    id: "send-as-denied",
    matches: (r) => r.enhanced === "5.2.252" || r.enhanced === "5.7.60" || /SendAsDenied|SendAsPermission|not have permissions? to send as/i.test(r.text),
    classification: "config",
    nl: "Het account waarmee is aangemeld mag niet verzenden namens dit afzenderadres.",
    en: "The signed-in account is not allowed to send as this sender address.",
    action: {
      nl: "Geef het account 'Verzenden als' (Send As) rechten op de mailbox of groep van de afzender (Exchange-beheercentrum), of gebruik de mailbox van de afzender zelf.",
      en: "Grant the account 'Send As' permission on the sender's mailbox or group (Exchange admin center), or use the sender's own mailbox.",
    },
  },
  {
    id: "ses-address-not-verified",
    matches: (r) => /Email address is not verified|identities failed the check/i.test(r.text),
    classification: "config",
    nl: "Amazon SES accepteert dit adres niet: het afzenderadres of domein (of in de sandbox ook de ontvanger) is niet geverifieerd in SES.",
    en: "Amazon SES does not accept this address: the sender address or domain (or, in the sandbox, also the recipient) is not verified in SES.",
    action: {
      nl: "Verifieer het adres of domein in de SES-console in dezelfde regio, of vraag productietoegang aan om de sandbox te verlaten.",
      en: "Verify the address or domain in the SES console in the same region, or request production access to leave the sandbox.",
    },
  },
  {
    id: "ses-throttling",
    matches: (r) => /Throttling failure|Maximum sending rate exceeded|Daily message quota exceeded/i.test(r.text),
    classification: "throttled",
    nl: "Amazon SES remt het verzenden af: de verzendsnelheid of het dagquotum van het account is bereikt.",
    en: "Amazon SES is throttling: the account's sending rate or daily quota has been reached.",
    action: {
      nl: "Stel de limieten van deze server in op het quotum van uw SES-account, of vraag een hoger quotum aan.",
      en: "Set this server's limits to your SES account's quota, or request a higher quota.",
    },
  },
  {
    id: "google-relay-daily-limit",
    matches: (r) => /Daily SMTP relay limit exceeded|Daily user sending (quota|limit) exceeded/i.test(r.text),
    classification: "throttled",
    nl: "Google heeft het daglimiet voor verzenden bereikt; er wordt tijdelijk niets meer doorgestuurd.",
    en: "Google's daily sending limit has been reached; nothing more is relayed for now.",
    action: {
      nl: "Wacht tot het limiet vrijkomt (tot 24 uur) en verlaag de limieten van deze server zodat het niet opnieuw gebeurt.",
      en: "Wait until the limit frees up (up to 24 hours) and lower this server's limits so it does not happen again.",
    },
  },
  {
    id: "google-relay-peak-limit",
    matches: (r) => /Peak SMTP relay limit exceeded/i.test(r.text),
    classification: "throttled",
    nl: "Google remt het verzenden af omdat er in korte tijd te veel is verstuurd.",
    en: "Google is throttling because too much was sent in a short time.",
    action: { nl: "Verlaag de limiet per minuut of per uur van deze server.", en: "Lower this server's per-minute or per-hour limit." },
  },
  {
    id: "microsoft-sending-quota",
    matches: (r) => /SubmissionQuotaExceeded|sender thread limit exceeded|RecipientRateLimitExceeded|message rate limit/i.test(r.text),
    classification: "throttled",
    nl: "Microsoft 365 remt het verzenden af: het verzendlimiet van de mailbox is bereikt.",
    en: "Microsoft 365 is throttling: the mailbox's sending limit has been reached.",
    action: {
      nl: "Houd de limieten van deze server op of onder 30 berichten per minuut en 10.000 ontvangers per 24 uur.",
      en: "Keep this server's limits at or below 30 messages per minute and 10,000 recipients per 24 hours.",
    },
  },
  {
    id: "relaying-denied",
    matches: (r) => /relay(ing)? (access )?(denied|not permitted|not allowed)|unable to relay|relay access|not permitted to relay/i.test(r.text) || r.enhanced === "5.7.64",
    classification: "config",
    nl: "De mailserver weigert mail door te sturen (relay) voor deze verbinding: zonder geldige aanmelding of toegestaan IP-adres stuurt hij alleen mail naar eigen domeinen.",
    en: "The mail server refuses to relay for this connection: without a valid sign-in or an allowed IP address it only accepts mail for its own domains.",
    action: {
      nl: "Meld aan met gebruikersnaam en wachtwoord, of laat de beheerder relay toestaan voor dit account. Controleer ook of het afzenderdomein bij deze server hoort.",
      en: "Sign in with user name and password, or ask the administrator to allow relaying for this account. Also check that the sender domain belongs to this server.",
    },
  },
  // --- Generic replies by code --------------------------------------------------------------------
  {
    id: "service-not-available",
    matches: (r) => r.code === 421,
    classification: "throttled",
    nl: "De mailserver neemt tijdelijk geen mail aan (bijvoorbeeld te druk of te veel verbindingen) en sloot de verbinding.",
    en: "The mail server temporarily accepts no mail (for example too busy or too many connections) and closed the connection.",
    action: { nl: "Dit lost zich meestal vanzelf op; verzenden wordt later opnieuw geprobeerd.", en: "This usually resolves itself; sending is retried later." },
  },
  {
    id: "connection-rejected",
    matches: (r) => (r.command === "GREETING" || r.command === "CONN") && r.code !== undefined && r.code >= 500,
    classification: "config",
    nl: "De mailserver weigert verbindingen vanaf ons IP-adres.",
    en: "The mail server refuses connections from our IP address.",
    action: {
      nl: "Laat de beheerder van de mailserver ons IP-adres toestaan.",
      en: "Ask the mail server's administrator to allow our IP address.",
    },
  },
  {
    id: "recipient-unknown",
    matches: (r) => r.enhanced === "5.1.1" || r.enhanced === "5.1.10" || (r.code === 550 && /user unknown|no such user|recipient not found|does not exist/i.test(r.text)),
    classification: "permanent",
    nl: "Het ontvangeradres bestaat niet.",
    en: "The recipient address does not exist.",
    action: { nl: "Controleer het ontvangeradres.", en: "Check the recipient address." },
  },
  {
    id: "sender-rejected",
    matches: (r) => r.command === "MAIL FROM" && r.code !== undefined && r.code >= 500,
    classification: "config",
    nl: "De mailserver weigert dit afzenderadres.",
    en: "The mail server rejects this sender address.",
    action: {
      nl: "Gebruik een afzenderadres dat bij dit account of domein hoort, of geef het account rechten om namens dit adres te verzenden.",
      en: "Use a sender address that belongs to this account or domain, or grant the account the right to send as this address.",
    },
  },
  {
    id: "message-too-large",
    matches: (r) => r.enhanced === "5.3.4" || (r.code === 552 && /size|too (big|large)/i.test(r.text)),
    classification: "permanent",
    nl: "Het bericht is groter dan de mailserver toestaat.",
    en: "The message is larger than the mail server allows.",
  },
  {
    id: "connection-closed",
    matches: (r) => systemCode(r, "ECONNRESET", "EPIPE") || /connection closed|socket hang up/i.test(r.message) || r.errorCode === "ECONNECTION",
    classification: "transient",
    nl: "De mailserver verbrak de verbinding onverwacht.",
    en: "The mail server closed the connection unexpectedly.",
    action: { nl: "Probeer het later opnieuw; blijft het gebeuren, controleer dan de TLS-instelling en poort.", en: "Try again later; if it keeps happening, check the TLS setting and port." },
  },
  {
    id: "temporary-failure",
    matches: (r) => r.code !== undefined && r.code >= 400 && r.code < 500,
    nl: "De mailserver meldt een tijdelijk probleem.",
    en: "The mail server reports a temporary problem.",
    action: { nl: "Verzenden wordt later opnieuw geprobeerd.", en: "Sending is retried later." },
  },
  {
    id: "rejected",
    matches: (r) => r.code !== undefined && r.code >= 500,
    nl: "De mailserver weigert dit verzoek. Het antwoord van de server staat hierboven.",
    en: "The mail server rejects this request. The server's reply is shown above.",
  },
] as const satisfies readonly CatalogueEntry[];

export type ExplanationId = (typeof CATALOGUE)[number]["id"];

/** Every explanation the catalogue can give, for documentation pages and tests. */
export const EXPLANATION_IDS: readonly ExplanationId[] = CATALOGUE.map((entry) => entry.id);

function findEntry(reply: Normalized): CatalogueEntry | undefined {
  return (CATALOGUE as readonly CatalogueEntry[]).find((entry) => entry.matches(reply));
}

// ---------------------------------------------------------------------------------------------
// Classification

const RATE_WORDS = /rate limit|too many|throttl|limit exceeded|quota exceeded|try again later|slow down/i;

function classifyByCode(reply: Normalized): ReplyClass | undefined {
  const { code, enhanced } = reply;
  if (code === undefined) {
    // An enhanced code without a basic one (seen in some libraries' errors) still carries the class.
    if (enhanced?.startsWith("2.")) return "success";
    if (enhanced?.startsWith("4.")) return "transient";
    if (enhanced?.startsWith("5.")) return "permanent";
    return undefined;
  }
  if (code < 400) return "success";
  if (code < 500) {
    // A full mailbox or an unknown address concerns one recipient; pausing the whole server for
    // it would hold back every later message (FIFO), so those are ordinary transient failures.
    if (enhanced && /^4\.(1|2\.2)\b/.test(enhanced)) return "transient";
    if (code === 421 || code === 450 || code === 451 || code === 452) return "throttled";
    if (enhanced?.startsWith("4.7.") && RATE_WORDS.test(reply.text)) return "throttled";
    return "transient";
  }
  // 503 "bad sequence of commands" says the session was in the wrong state, not that the
  // message was refused: the same message can go through on a new connection.
  if (code === 503) return "transient";
  if (code < 600) return /(sending|relay|daily|hourly) (limit|quota)|rate limit|throttl/i.test(reply.text) ? "throttled" : "permanent";
  return undefined;
}

function classifyByErrorCode(reply: Normalized): ReplyClass {
  switch (reply.errorCode) {
    case "EAUTH":
    case "ENOAUTH":
    case "EOAUTH2":
      return "auth";
    case "ETLS":
    case "EREQUIRETLS":
    case "ECONFIG":
    case "EHOSTREFUSED":
      return "config";
    case "EENVELOPE":
    case "EMESSAGE":
    case "EMAXRECIPIENTS":
    case "ESTREAM":
      return "permanent";
    default:
      // Connection, socket, DNS and protocol trouble, and anything unknown: retrying is safe and
      // the 48-hour retry budget ends it eventually.
      return "transient";
  }
}

/**
 * What an SMTP outcome means for delivery:
 * - success: 2xx/3xx.
 * - transient: retry this message later (4xx, timeouts, connection errors).
 * - throttled: the provider asks to slow down; pause the server (FIFO), then retry.
 * - permanent: this message will never be accepted (5xx); fail it.
 * - auth: the credentials are refused; pause the server and tell the administrator.
 * - config: the server's configuration is wrong (TLS, send-as, relay); pause and tell.
 */
export function classifyReply(outcome: SmtpOutcome): ReplyClass {
  const reply = normalize(outcome);
  if (reply.code !== undefined && reply.code < 400) return "success";
  const entry = findEntry(reply);
  if (entry?.classification) return entry.classification;
  return classifyByCode(reply) ?? classifyByErrorCode(reply);
}

/** Words an administrator can act on for an outcome; undefined for success. */
export function explainReply(outcome: SmtpOutcome): ReplyExplanation | undefined {
  const reply = normalize(outcome);
  if (reply.code !== undefined && reply.code < 400) return undefined;
  const entry = findEntry(reply);
  if (!entry) return undefined;
  return { id: entry.id as ExplanationId, nl: entry.nl, en: entry.en, ...(entry.action ? { action: entry.action } : {}) };
}

/** An explanation by its stored id (the delivery log keeps the id, not the text). */
export function explanationById(id: string): ReplyExplanation | undefined {
  const entry = (CATALOGUE as readonly CatalogueEntry[]).find((candidate) => candidate.id === id);
  return entry ? { id: entry.id as ExplanationId, nl: entry.nl, en: entry.en, ...(entry.action ? { action: entry.action } : {}) } : undefined;
}
