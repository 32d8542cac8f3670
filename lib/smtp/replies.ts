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
  const lines = text
    .replace(/\r/g, "")
    .split("\n")
    .filter((line) => line.trim() !== "");
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
  /** For throttle replies that name their window (a daily quota, a per-second rate): which limit the server hit. */
  ceiling?: CeilingHint;
}

/** The window (and unit) a throttle reply speaks about, for the observed-ceiling suggestion. */
export interface CeilingHint {
  window: "SECOND" | "MINUTE" | "HOUR" | "DAY";
  unit?: "MESSAGES" | "RECIPIENTS";
}

const systemCode = (reply: Normalized, ...codes: string[]) =>
  codes.some((code) => reply.originalCode === code || reply.errorCode === code || new RegExp(`\\b${code}\\b`).test(reply.message));
const isTlsStep = (reply: Normalized) => reply.command === "STARTTLS" || reply.command === "TLS" || reply.errorCode === "ETLS";

const CATALOGUE = [
  // MTA-STS (RFC 8461) in enforce mode stopped the platform's direct delivery (lib/delivery/platform-transport.ts):
  // first, because the TLS entries below would also match the underlying handshake error.
  {
    id: "mta-sts-no-matching-mx",
    matches: (r) => r.errorCode === "EMTASTS_MX",
    classification: "transient",
    nl: "Niet verstuurd: het MTA-STS-beleid (enforce) van het domein noemt geen van zijn MX-servers, dus er is geen server waaraan de mail veilig kan worden afgeleverd.",
    en: "Not sent: the domain's MTA-STS policy (enforce) names none of its MX hosts, so there is no server the mail can safely be delivered to.",
    action: {
      nl: "De beheerder van het ontvangende domein moet zijn MX-records en MTA-STS-beleid in overeenstemming brengen; Postkamer probeert het later opnieuw.",
      en: "The receiving domain's administrator must make its MX records and MTA-STS policy agree; Postkamer tries again later.",
    },
  },
  {
    id: "mta-sts-tls-failed",
    matches: (r) => r.errorCode === "EMTASTS_TLS",
    classification: "transient",
    nl: "Niet verstuurd: het domein eist met MTA-STS (enforce) een versleutelde verbinding met een geldig certificaat, en geen MX-server bood die (geen STARTTLS, of een certificaat dat niet vertrouwd is of niet bij de servernaam hoort). Er is niets onversleuteld verstuurd.",
    en: "Not sent: the domain requires, with MTA-STS (enforce), an encrypted connection with a valid certificate, and no MX host offered one (no STARTTLS, or a certificate that is not trusted or does not name the host). Nothing was sent unencrypted.",
    action: {
      nl: "De beheerder van het ontvangende domein moet STARTTLS met een geldig certificaat op zijn MX-servers aanbieden; Postkamer probeert het later opnieuw.",
      en: "The receiving domain's administrator must offer STARTTLS with a valid certificate on its MX hosts; Postkamer tries again later.",
    },
  },
  // --- OAuth2 token endpoint (lib/mailservers/oauth.ts) ------------------------------------------
  // Not SMTP replies: failures to get a token before AUTH XOAUTH2, named by the originalCode
  // oauth.ts sets. First, so a provider's wording ("timed out", "ENOTFOUND") never matches a
  // connection entry instead. All are "auth": the engine pauses the server and shows the text.
  {
    id: "oauth-consent-missing",
    matches: (r) => r.originalCode === "OAUTH_CONSENT_MISSING",
    classification: "auth",
    nl: "Microsoft geeft geen token: de app heeft in Entra ID geen beheerderstoestemming (admin consent) voor de machtiging SMTP.SendAsApp (AADSTS65001).",
    en: "Microsoft issues no token: the app has no administrator consent in Entra ID for the permission SMTP.SendAsApp (AADSTS65001).",
    action: {
      nl: "Open in Entra ID de app-registratie › API-machtigingen, voeg Office 365 Exchange Online › SMTP.SendAsApp (toepassingsmachtiging) toe en kies 'Beheerderstoestemming verlenen'.",
      en: "In Entra ID open the app registration › API permissions, add Office 365 Exchange Online › SMTP.SendAsApp (application permission) and choose 'Grant admin consent'.",
    },
  },
  {
    id: "oauth-tenant-not-found",
    matches: (r) => r.originalCode === "OAUTH_TENANT_NOT_FOUND",
    classification: "auth",
    nl: "Microsoft kent deze tenant niet (AADSTS90002).",
    en: "Microsoft does not know this tenant (AADSTS90002).",
    action: {
      nl: "Vul als tenant-ID de map-ID (Directory (tenant) ID) uit het overzicht van de app-registratie in Entra ID in, of het domein van de organisatie (zoals contoso.onmicrosoft.com).",
      en: "Enter as tenant id the Directory (tenant) ID from the app registration's overview in Entra ID, or the organisation's domain (such as contoso.onmicrosoft.com).",
    },
  },
  {
    id: "oauth-app-not-found",
    matches: (r) => r.originalCode === "OAUTH_APP_NOT_FOUND",
    classification: "auth",
    nl: "Microsoft vindt de app niet in deze tenant (AADSTS700016): de client-ID is onjuist, de app is verwijderd of hoort bij een andere tenant.",
    en: "Microsoft cannot find the app in this tenant (AADSTS700016): the client id is wrong, the app was deleted or belongs to another tenant.",
    action: {
      nl: "Neem de client-ID (Application (client) ID) en de tenant-ID over uit het overzicht van dezelfde app-registratie in Entra ID.",
      en: "Copy the Application (client) ID and the tenant id from the overview of the same app registration in Entra ID.",
    },
  },
  {
    id: "oauth-secret-expired",
    matches: (r) => r.originalCode === "OAUTH_SECRET_EXPIRED",
    classification: "auth",
    nl: "Het clientgeheim van de app is verlopen (AADSTS7000222).",
    en: "The app's client secret has expired (AADSTS7000222).",
    action: {
      nl: "Maak in Entra ID bij de app-registratie › Certificaten en geheimen een nieuw clientgeheim aan, vul de waarde en de vervaldatum hier in en sla op.",
      en: "Create a new client secret in Entra ID under the app registration › Certificates & secrets, enter its value and expiry date here and save.",
    },
  },
  {
    id: "oauth-secret-invalid",
    matches: (r) => r.originalCode === "OAUTH_SECRET_INVALID",
    classification: "auth",
    nl: "Microsoft weigert het clientgeheim (AADSTS7000215): het is onjuist of ingetrokken. Vaak is de geheim-ID ingevuld in plaats van de waarde.",
    en: "Microsoft rejects the client secret (AADSTS7000215): it is wrong or revoked. Often the secret ID was entered instead of its value.",
    action: {
      nl: "Maak in Entra ID een nieuw clientgeheim aan en vul de waarde (Value) hier in; die is alleen direct na het aanmaken te zien.",
      en: "Create a new client secret in Entra ID and enter its Value here; it is only shown right after creating it.",
    },
  },
  {
    id: "oauth-google-delegation-missing",
    matches: (r) => r.originalCode === "OAUTH_DELEGATION_MISSING",
    classification: "auth",
    nl: "Google geeft geen token: het serviceaccount heeft geen domeinbrede toegang (domain-wide delegation) voor het bereik https://mail.google.com/ (unauthorized_client).",
    en: "Google issues no token: the service account has no domain-wide delegation for the scope https://mail.google.com/ (unauthorized_client).",
    action: {
      nl: "Voeg in de Google-beheerconsole onder Beveiliging › Toegangs- en gegevensbeheer › API-beheer › Domeinbrede delegatie de client-ID van het serviceaccount toe met het bereik https://mail.google.com/. Het kan even duren voor dit werkt.",
      en: "In the Google Admin console under Security › Access and data control › API controls › Domain-wide delegation, add the service account's client ID with the scope https://mail.google.com/. It can take a while to take effect.",
    },
  },
  {
    id: "oauth-google-key-invalid",
    matches: (r) => r.originalCode === "OAUTH_KEY_INVALID",
    classification: "auth",
    nl: "Google weigert de sleutel van het serviceaccount: de sleutel is verwijderd of ingetrokken, of het serviceaccount bestaat niet meer (Invalid JWT Signature).",
    en: "Google rejects the service account's key: the key was deleted or revoked, or the service account no longer exists (Invalid JWT Signature).",
    action: {
      nl: "Maak in de Google Cloud-console bij het serviceaccount › Sleutels een nieuwe JSON-sleutel aan en plak die hier.",
      en: "Create a new JSON key in the Google Cloud console under the service account › Keys and paste it here.",
    },
  },
  {
    id: "oauth-google-mailbox-unknown",
    matches: (r) => r.originalCode === "OAUTH_MAILBOX_UNKNOWN",
    classification: "auth",
    nl: "Google kent de mailbox niet waarvoor het serviceaccount een token vraagt.",
    en: "Google does not know the mailbox the service account asks a token for.",
    action: {
      nl: "Vul als gebruikersnaam het volledige e-mailadres in van een bestaande gebruiker in het Workspace-domein.",
      en: "Enter as user name the full e-mail address of an existing user in the Workspace domain.",
    },
  },
  {
    id: "oauth-incomplete",
    matches: (r) => r.originalCode === "OAUTH_INCOMPLETE",
    classification: "auth",
    nl: "OAuth2 is voor deze server niet volledig ingesteld.",
    en: "OAuth2 is not fully set up for this server.",
    action: { nl: "Vul bij Aanpassen alle OAuth2-gegevens en de mailbox in en sla op.", en: "Fill in all OAuth2 details and the mailbox under Edit and save." },
  },
  {
    id: "oauth-token-refused",
    matches: (r) => r.originalCode === "OAUTH_REFUSED",
    classification: "auth",
    nl: "De tokenserver weigert een token uit te geven; zijn foutmelding staat erbij.",
    en: "The token server refuses to issue a token; its error message is shown with it.",
    action: {
      nl: "Controleer de OAuth2-gegevens van deze server (tenant, client-ID, geheim of sleutel) en de machtigingen van de app.",
      en: "Check this server's OAuth2 details (tenant, client id, secret or key) and the app's permissions.",
    },
  },
  {
    id: "oauth-endpoint-unreachable",
    matches: (r) => r.originalCode === "OAUTH_UNREACHABLE",
    // An outage at Microsoft or Google, not a fault of ours to fix: wait and retry, like an unreachable server.
    classification: "transient",
    nl: "De tokenserver van Microsoft of Google was niet bereikbaar of gaf geen bruikbaar antwoord, dus er kon niet worden aangemeld.",
    en: "Microsoft's or Google's token server could not be reached or gave no usable answer, so signing in was not possible.",
    action: {
      nl: "Probeer het later opnieuw. Blijft het, controleer dan of uitgaand HTTPS-verkeer naar login.microsoftonline.com of oauth2.googleapis.com is toegestaan.",
      en: "Try again later. If it persists, check that outgoing HTTPS traffic to login.microsoftonline.com or oauth2.googleapis.com is allowed.",
    },
  },
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
      nl: "Kies poort 587 (STARTTLS) of 465 (impliciete TLS), zoals je provider aangeeft.",
      en: "Choose port 587 (STARTTLS) or 465 (implicit TLS), as your provider specifies.",
    },
  },
  {
    id: "host-invalid",
    matches: (r) => r.errorCode === "EHOSTREFUSED" && r.originalCode === "INVALID_HOST",
    classification: "config",
    nl: "Dit is geen geldige hostnaam of geldig IP-adres.",
    en: "This is not a valid host name or IP address.",
    action: {
      nl: "Controleer de spelling van de host, zonder http:// of poortnummer.",
      en: "Check the spelling of the host, without http:// or a port number.",
    },
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
    matches: (r) => systemCode(r, "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN") || /self[- ]signed certificate/i.test(r.message),
    classification: "config",
    nl: "De mailserver gebruikt een zelfondertekend certificaat; de identiteit van de server kan niet worden gecontroleerd.",
    en: "The mail server uses a self-signed certificate; the server's identity cannot be verified.",
    action: {
      nl: "Laat de beheerder van de mailserver een certificaat van een erkende uitgever installeren. Zet 'certificaat controleren' alleen uit als je het risico kent.",
      en: "Ask the mail server's administrator to install a certificate from a trusted authority. Only turn off 'verify certificate' if you understand the risk.",
    },
  },
  {
    id: "tls-hostname-mismatch",
    matches: (r) => systemCode(r, "ERR_TLS_CERT_ALTNAME_INVALID") || /altnames|does not match certificate|hostname\/ip does not match/i.test(r.message),
    classification: "config",
    nl: "Het certificaat van de mailserver hoort niet bij deze hostnaam.",
    en: "The mail server's certificate does not belong to this host name.",
    action: {
      nl: "Gebruik de hostnaam die in het certificaat staat (zoals je provider die opgeeft), niet een IP-adres of alias.",
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
    matches: (r) => r.command === "STARTTLS" && (/not offered|not advertised/i.test(r.message) || (r.code !== undefined && r.code >= 500)),
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
  // XOAUTH2: the token was issued, but the SMTP server does not accept it. 5.7.139 (SMTP AUTH
  // switched off for the mailbox, also needed with OAuth2) is left to the Microsoft entries below.
  {
    id: "oauth-xoauth2-not-offered",
    matches: (r) => r.command === "AUTH XOAUTH2" && /XOAUTH2 not offered|AUTH not offered/i.test(r.message),
    classification: "config",
    nl: "De mailserver biedt op deze verbinding geen aanmelding met OAuth2 (XOAUTH2) aan.",
    en: "The mail server does not offer OAuth2 sign-in (XOAUTH2) on this connection.",
    action: {
      nl: "Gebruik de host van de provider (smtp.office365.com of smtp.gmail.com) op poort 587 met STARTTLS.",
      en: "Use the provider's host (smtp.office365.com or smtp.gmail.com) on port 587 with STARTTLS.",
    },
  },
  {
    id: "oauth-exchange-not-authorized",
    matches: (r) =>
      r.command === "AUTH XOAUTH2" && r.enhanced !== "5.7.139" && (r.enhanced === "5.7.3" || (r.code === 535 && /Authentication unsuccessful/i.test(r.text))),
    classification: "auth",
    nl: "Exchange Online accepteert het token niet voor deze mailbox: de app mag via SMTP niet namens de mailbox aanmelden. Meestal ontbreekt de machtiging SMTP.SendAsApp, is de app (service principal) niet in Exchange Online geregistreerd of heeft die geen toegang tot de mailbox.",
    en: "Exchange Online does not accept the token for this mailbox: the app may not sign in over SMTP for the mailbox. Usually the permission SMTP.SendAsApp is missing, or the app (service principal) is not registered in Exchange Online or has no access to the mailbox.",
    action: {
      nl: "Geef de app in Entra ID de toepassingsmachtiging SMTP.SendAsApp met beheerderstoestemming, registreer de service principal in Exchange Online (New-ServicePrincipal) en geef die toegang tot de mailbox (Add-MailboxPermission -AccessRights FullAccess).",
      en: "Give the app the application permission SMTP.SendAsApp with admin consent in Entra ID, register its service principal in Exchange Online (New-ServicePrincipal) and give it access to the mailbox (Add-MailboxPermission -AccessRights FullAccess).",
    },
  },
  {
    id: "oauth-token-rejected",
    matches: (r) => r.command === "AUTH XOAUTH2" && r.enhanced !== "5.7.139" && r.code !== undefined && r.code >= 500,
    classification: "auth",
    nl: "De mailserver weigert het OAuth2-token voor deze mailbox.",
    en: "The mail server rejects the OAuth2 token for this mailbox.",
    action: {
      nl: "Controleer dat de gebruikersnaam het volledige adres is van de mailbox waar de app of het serviceaccount toegang toe heeft. Bij Google: controleer de domeinbrede delegatie voor https://mail.google.com/ en dat Gmail voor die gebruiker aan staat.",
      en: "Check that the user name is the full address of the mailbox the app or service account has access to. With Google: check the domain-wide delegation for https://mail.google.com/ and that Gmail is on for that user.",
    },
  },
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
    matches: (r) => (r.enhanced === "5.7.139" && !/credentials were incorrect/i.test(r.text)) || /SmtpClientAuthentication is disabled/i.test(r.text),
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
      nl: "Meld je aan bij het Google-account in een browser, bevestig de waarschuwing en gebruik een app-wachtwoord of OAuth2.",
      en: "Sign in to the Google account in a browser, confirm the warning and use an app password or OAuth2.",
    },
  },
  {
    id: "sendgrid-api-key",
    matches: (r) => /authorization grant is invalid, expired, or revoked|API key (is )?(invalid|not valid)|does not have permission to send mail/i.test(r.text),
    classification: "auth",
    nl: "SendGrid weigert de API-sleutel: die is ongeldig, ingetrokken of mist het recht 'Mail Send'.",
    en: "SendGrid rejects the API key: it is invalid, revoked or lacks the 'Mail Send' permission.",
    action: {
      nl: "Gebruik als gebruikersnaam letterlijk 'apikey' en als wachtwoord een nieuwe API-sleutel met het recht 'Mail Send'.",
      en: "Use literally 'apikey' as user name and a new API key with the 'Mail Send' permission as password.",
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
      nl: "Vraag de beheerder van de mailserver om AUTH PLAIN of LOGIN via TLS, of gebruik OAuth2 (Microsoft 365 en Google Workspace).",
      en: "Ask the mail server's administrator for AUTH PLAIN or LOGIN over TLS, or use OAuth2 (Microsoft 365 and Google Workspace).",
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
    id: "ses-daily-quota",
    matches: (r) => /Daily message quota exceeded/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "DAY", unit: "RECIPIENTS" },
    nl: "Amazon SES heeft het dagquotum van het account bereikt (SES telt ontvangers per 24 uur).",
    en: "Amazon SES has reached the account's daily quota (SES counts recipients per 24 hours).",
    action: {
      nl: "Stel de 24-uurslimiet van deze server in op het quotum van je SES-account, of vraag in de SES-console een hoger quotum aan.",
      en: "Set this server's 24-hour limit to your SES account's quota, or request a higher quota in the SES console.",
    },
  },
  {
    id: "ses-throttling",
    matches: (r) => /Throttling failure|Maximum sending rate exceeded/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "SECOND" },
    nl: "Amazon SES remt het verzenden af: de maximale verzendsnelheid (berichten per seconde) van het account is bereikt.",
    en: "Amazon SES is throttling: the account's maximum sending rate (messages per second) has been reached.",
    action: {
      nl: "Stel de limieten van deze server in op het quotum van je SES-account, of vraag een hoger quotum aan.",
      en: "Set this server's limits to your SES account's quota, or request a higher quota.",
    },
  },
  {
    id: "google-relay-daily-limit",
    matches: (r) => /Daily SMTP relay limit exceeded|Daily user sending (quota|limit) exceeded/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "DAY" },
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
    id: "google-unusual-rate",
    matches: (r) => r.enhanced === "4.7.28" || /unusual rate of unsolicited mail/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "HOUR" },
    nl: "Google neemt tijdelijk minder mail aan omdat er in korte tijd ongewoon veel vanaf dit adres of IP-adres kwam.",
    en: "Google temporarily accepts less mail because an unusual amount came from this address or IP address in a short time.",
    action: {
      nl: "Verlaag de limiet per uur van deze server en controleer in de DMARC-controle van de afzender of SPF en DKIM kloppen.",
      en: "Lower this server's per-hour limit and check in the sender's DMARC check that SPF and DKIM are in order.",
    },
  },
  {
    id: "microsoft-recipient-rate",
    matches: (r) => /RecipientRateLimitExceeded|recipient rate limit/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "DAY", unit: "RECIPIENTS" },
    nl: "Microsoft 365 remt het verzenden af: de mailbox heeft het maximum aantal ontvangers per 24 uur bereikt.",
    en: "Microsoft 365 is throttling: the mailbox has reached its maximum number of recipients per 24 hours.",
    action: {
      nl: "Houd de 24-uurslimiet van deze server op of onder 10.000 ontvangers, of gebruik voor bulkmail een dienst die daarvoor bedoeld is.",
      en: "Keep this server's 24-hour limit at or below 10,000 recipients, or use a service meant for bulk mail.",
    },
  },
  {
    id: "microsoft-sending-quota",
    matches: (r) => /SubmissionQuotaExceeded|sender thread limit exceeded|message rate limit/i.test(r.text),
    ceiling: { window: "MINUTE", unit: "MESSAGES" },
    classification: "throttled",
    nl: "Microsoft 365 remt het verzenden af: het verzendlimiet van de mailbox is bereikt.",
    en: "Microsoft 365 is throttling: the mailbox's sending limit has been reached.",
    action: {
      nl: "Houd de limieten van deze server op of onder 30 berichten per minuut en 10.000 ontvangers per 24 uur.",
      en: "Keep this server's limits at or below 30 messages per minute and 10,000 recipients per 24 hours.",
    },
  },
  {
    id: "microsoft-spam-blocked",
    matches: (r) => /^5\.7\.(50[1-3]|511|705)$/.test(r.enhanced ?? "") || /banned sender|spam abuse detected|tenant has exceeded threshold/i.test(r.text),
    classification: "config",
    nl: "Microsoft 365 heeft het verzenden voor deze mailbox of organisatie geblokkeerd, omdat er (vermoedelijk) spam mee is verstuurd.",
    en: "Microsoft 365 has blocked sending for this mailbox or organisation because (presumably) spam was sent with it.",
    action: {
      nl: "Laat de Microsoft 365-beheerder de mailbox vrijgeven onder 'Beperkte entiteiten' in Microsoft Defender, en controleer het account op misbruik.",
      en: "Ask the Microsoft 365 administrator to release the mailbox under 'Restricted entities' in Microsoft Defender, and check the account for abuse.",
    },
  },
  {
    id: "microsoft-ip-blocked",
    matches: (r) => r.enhanced === "5.7.708" || r.enhanced === "5.7.606" || /traffic not accepted from this IP/i.test(r.text),
    classification: "config",
    nl: "Microsoft 365 accepteert geen mail vanaf het IP-adres van deze verbinding.",
    en: "Microsoft 365 accepts no mail from this connection's IP address.",
    action: {
      nl: "Laat de Microsoft 365-beheerder het IP-adres vrijgeven, of verstuur via een andere server.",
      en: "Ask the Microsoft 365 administrator to delist the IP address, or send through another server.",
    },
  },
  {
    id: "dmarc-rejected",
    matches: (r) =>
      r.enhanced === "5.7.26" || r.enhanced === "5.7.509" || /DMARC (policy|verification)|unauthenticated email|does not pass DMARC/i.test(r.text),
    classification: "permanent",
    nl: "De ontvangende server weigert het bericht omdat het niet door de DMARC-controle van het afzenderdomein komt (SPF en DKIM kloppen niet voor deze server).",
    en: "The receiving server rejects the message because it fails the sender domain's DMARC check (SPF and DKIM do not match this server).",
    action: {
      nl: "Open de DMARC-controle van de afzender en voeg de genoemde DNS-records (SPF, DKIM) toe.",
      en: "Open the sender's DMARC check and add the DNS records it lists (SPF, DKIM).",
    },
  },
  {
    id: "reverse-dns-missing",
    matches: (r) => r.enhanced === "5.7.25" || /Client host rejected: cannot find your (reverse )?hostname|PTR record/i.test(r.text),
    classification: "config",
    nl: "De ontvangende server weigert de verbinding omdat het IP-adres van de verzendende server geen (kloppende) reverse-DNS-naam heeft.",
    en: "The receiving server refuses the connection because the sending server's IP address has no (matching) reverse DNS name.",
    action: {
      nl: "Laat de beheerder van de mailserver een PTR-record instellen dat overeenkomt met de HELO-naam.",
      en: "Ask the mail server's administrator to set a PTR record that matches the HELO name.",
    },
  },
  {
    id: "sendgrid-sender-identity",
    matches: (r) => /does not match a verified Sender Identity/i.test(r.text),
    classification: "config",
    nl: "SendGrid verstuurt niet namens dit adres: het is geen geverifieerde afzender (Sender Identity) in het SendGrid-account.",
    en: "SendGrid does not send as this address: it is not a verified Sender Identity in the SendGrid account.",
    action: {
      nl: "Verifieer het adres (Single Sender) of het hele domein (Domain Authentication) in SendGrid onder Settings › Sender Authentication.",
      en: "Verify the address (Single Sender) or the whole domain (Domain Authentication) in SendGrid under Settings › Sender Authentication.",
    },
  },
  {
    id: "sendgrid-credits-exceeded",
    matches: (r) => /Maximum credits exceeded/i.test(r.text),
    classification: "throttled",
    ceiling: { window: "DAY", unit: "RECIPIENTS" },
    nl: "Het SendGrid-account heeft zijn verzendtegoed (credits) voor deze periode opgebruikt.",
    en: "The SendGrid account has used up its sending credits for this period.",
    action: {
      nl: "Verhoog het abonnement in SendGrid, of stel de 24-uurslimiet van deze server in op het tegoed van het abonnement.",
      en: "Upgrade the plan in SendGrid, or set this server's 24-hour limit to the plan's credits.",
    },
  },
  {
    id: "unauthorized-ip",
    matches: (r) => /unauthori[sz]ed IP|IP address (is )?not (authori[sz]ed|allowed)|not in (the )?(allowed|authori[sz]ed) IP/i.test(r.text),
    classification: "config",
    nl: "De provider accepteert geen verbindingen vanaf dit IP-adres voor dit account (bijvoorbeeld Brevo met IP-beperking of een Google-relay die alleen bepaalde IP-adressen toelaat).",
    en: "The provider accepts no connections from this IP address for this account (for example Brevo with IP restrictions, or a Google relay that allows only certain IP addresses).",
    action: {
      nl: "Voeg het IP-adres van Postkamer toe aan de toegestane IP-adressen in het beheer van de provider, of schakel de IP-beperking uit.",
      en: "Add Postkamer's IP address to the allowed IP addresses in the provider's console, or turn the IP restriction off.",
    },
  },
  {
    id: "postfix-sender-not-owned",
    matches: (r) => /Sender address rejected: not owned by (auth(enticated)? )?user/i.test(r.text),
    classification: "config",
    nl: "De mailserver (Postfix) staat het aangemelde account niet toe om namens dit afzenderadres te verzenden.",
    en: "The mail server (Postfix) does not allow the signed-in account to send as this sender address.",
    action: {
      nl: "Laat de beheerder het adres aan het account koppelen (smtpd_sender_login_maps), of meld aan met het account van de afzender.",
      en: "Ask the administrator to link the address to the account (smtpd_sender_login_maps), or sign in with the sender's own account.",
    },
  },
  // Postfix's anvil rate limits (smtpd_client_message_rate_limit, smtpd_client_recipient_rate_limit):
  // fixed windows of anvil_rate_time_unit, reset in whole seconds; the window is configurable, so
  // no ceiling hint — the observation is taken for every configured window.
  {
    id: "postfix-message-rate",
    matches: (r) => /too much mail from/i.test(r.text),
    classification: "throttled",
    nl: "De mailserver (Postfix) neemt van dit adres tijdelijk geen berichten meer aan: het maximum aantal berichten per tijdseenheid is bereikt.",
    en: "The mail server (Postfix) temporarily accepts no more messages from this address: its maximum number of messages per time unit was reached.",
    action: {
      nl: "Stel de limiet van deze server gelijk aan smtpd_client_message_rate_limit per anvil_rate_time_unit van de Postfix-server (vraag het de beheerder).",
      en: "Set this server's limit to the Postfix server's smtpd_client_message_rate_limit per anvil_rate_time_unit (ask its administrator).",
    },
  },
  {
    id: "postfix-recipient-rate",
    matches: (r) => /too many recipients from/i.test(r.text),
    classification: "throttled",
    nl: "De mailserver (Postfix) neemt van dit adres tijdelijk geen ontvangers meer aan: het maximum aantal ontvangers per tijdseenheid is bereikt.",
    en: "The mail server (Postfix) temporarily accepts no more recipients from this address: its maximum number of recipients per time unit was reached.",
    action: {
      nl: "Stel een limiet in ontvangers in gelijk aan smtpd_client_recipient_rate_limit per anvil_rate_time_unit van de Postfix-server (vraag het de beheerder).",
      en: "Set a recipients limit equal to the Postfix server's smtpd_client_recipient_rate_limit per anvil_rate_time_unit (ask its administrator).",
    },
  },
  {
    id: "too-many-recipients",
    matches: (r) => r.enhanced === "4.5.3" || r.enhanced === "5.5.3" || /too many recipients/i.test(r.text),
    // Some servers mean "per message" (Postfix's smtpd_recipient_limit: `452 4.5.3 Error: too many
    // recipients` after N RCPTs), others (Exchange Online) "per period": wait, as for a throttle.
    // When the same transaction took other recipients it is the per-message cap, and the engine
    // sends the rest in the next transaction at once (RFC 5321 §4.5.3.1.10, isRecipientOverflow).
    classification: "throttled",
    nl: "De mailserver accepteert (nu) niet zoveel ontvangers: te veel in één bericht, of te veel in korte tijd.",
    en: "The mail server does not accept this many recipients (now): too many in one message, or too many in a short time.",
    action: {
      nl: "Stel bij Limieten een 'maximum aantal ontvangers per bericht' in (bijvoorbeeld 50) zodat grotere berichten in delen gaan, en controleer de limiet voor ontvangers per periode.",
      en: "Set a 'maximum number of recipients per message' under Limits (for example 50) so larger messages go in parts, and check the limit for recipients per period.",
    },
  },
  {
    id: "exchange-insufficient-resources",
    matches: (r) => r.enhanced === "4.3.1" || /Insufficient system resources/i.test(r.text),
    classification: "throttled",
    nl: "De mailserver (Exchange) heeft tijdelijk te weinig schijfruimte of geheugen en neemt geen mail aan (back pressure).",
    en: "The mail server (Exchange) is temporarily short of disk space or memory and accepts no mail (back pressure).",
    action: {
      nl: "Dit lost zich meestal vanzelf op; blijft het, laat de Exchange-beheerder de schijfruimte van de transportwachtrij controleren.",
      en: "This usually resolves itself; if it persists, ask the Exchange administrator to check the transport queue's disk space.",
    },
  },
  {
    id: "greylisted",
    matches: (r) => /greylist|graylist|try again later, please/i.test(r.text),
    classification: "transient",
    nl: "De ontvangende server stelt het eerste bericht van een onbekende afzender bewust uit (greylisting).",
    en: "The receiving server deliberately delays the first message from an unknown sender (greylisting).",
    action: {
      nl: "Niets te doen: het bericht wordt na enkele minuten opnieuw aangeboden en dan geaccepteerd.",
      en: "Nothing to do: the message is offered again after a few minutes and then accepted.",
    },
  },
  {
    id: "relaying-denied",
    matches: (r) =>
      /relay(ing)? (access )?(denied|not permitted|not allowed)|unable to relay|relay access|not permitted to relay/i.test(r.text) ||
      r.enhanced === "5.7.64" ||
      r.enhanced === "5.7.54",
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
    id: "rate-limited",
    matches: (r) =>
      r.code !== undefined &&
      r.code >= 400 &&
      r.code < 500 &&
      /rate limit|too many (messages|connections|mails)|throttl|slow down|limit exceeded/i.test(r.text),
    classification: "throttled",
    nl: "De mailserver remt het verzenden af: er is in korte tijd meer aangeboden dan hij toestaat.",
    en: "The mail server is throttling: more was offered in a short time than it allows.",
    action: {
      nl: "De e-mail wacht in volgorde en wordt later opnieuw aangeboden. Gebeurt dit vaak, verlaag dan de limieten van deze server.",
      en: "Mail waits in order and is offered again later. If this happens often, lower this server's limits.",
    },
  },
  {
    id: "service-not-available",
    matches: (r) => r.code === 421,
    classification: "throttled",
    nl: "De mailserver neemt tijdelijk geen mail aan (bijvoorbeeld te druk of te veel verbindingen) en sloot de verbinding.",
    en: "The mail server temporarily accepts no mail (for example too busy or too many connections) and closed the connection.",
    action: {
      nl: "Dit lost zich meestal vanzelf op; verzenden wordt later opnieuw geprobeerd.",
      en: "This usually resolves itself; sending is retried later.",
    },
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
    matches: (r) =>
      r.enhanced === "5.1.1" || r.enhanced === "5.1.10" || (r.code === 550 && /user unknown|no such user|recipient not found|does not exist/i.test(r.text)),
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
    action: {
      nl: "Probeer het later opnieuw; blijft het gebeuren, controleer dan de TLS-instelling en poort.",
      en: "Try again later; if it keeps happening, check the TLS setting and port.",
    },
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

/** Refusals that concern one sender address, not the server: only that message fails, delivery goes on. */
export const SENDER_LEVEL: ReadonlySet<ExplanationId> = new Set<ExplanationId>(["send-as-denied", "sender-rejected", "ses-address-not-verified"]);

/**
 * Refusals at MAIL FROM that are the server's configuration, not the sender's: every message would
 * get them, so the server pauses (with the explanation) and the mail waits for the administrator.
 */
export const SERVER_LEVEL_AT_MAIL_FROM: ReadonlySet<ExplanationId> = new Set<ExplanationId>([
  "starttls-required",
  "auth-required",
  "microsoft-client-not-authenticated",
  "relaying-denied",
]);

/**
 * Throttle replies that speak about a rate, and so say something about the server's ceiling.
 * A bare `451`/`421` (greylisting, a busy server) does not: it is never an observation.
 */
const RATE_REPLIES: ReadonlySet<ExplanationId> = new Set<ExplanationId>([
  "postfix-message-rate",
  "postfix-recipient-rate",
  "ses-throttling",
  "ses-daily-quota",
  "google-relay-daily-limit",
  "google-relay-peak-limit",
  "google-unusual-rate",
  "microsoft-recipient-rate",
  "microsoft-sending-quota",
  "rate-limited",
]);

export function isRateReply(id: string | undefined): boolean {
  return id !== undefined && RATE_REPLIES.has(id as ExplanationId);
}

/**
 * A recipient refused with "too many recipients" (`452 4.5.3`) in a transaction that took others
 * is the server's per-message cap: the rest go out in a new transaction at once.
 */
export function isRecipientOverflow(outcome: SmtpOutcome): boolean {
  const reply = normalize(outcome);
  if (reply.code !== 452 && reply.enhanced !== "4.5.3") return false;
  return reply.enhanced === "4.5.3" || (/too many recipients/i.test(reply.text) && !/from/i.test(reply.text));
}

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

/** The window a throttle reply speaks about, when the catalogue knows it. */
export function ceilingHintOf(outcome: SmtpOutcome): CeilingHint | undefined {
  return findEntry(normalize(outcome))?.ceiling;
}

/** The same, by the explanation the outcome was already classified with (no second search). */
export function ceilingHintById(id: string): CeilingHint | undefined {
  return (CATALOGUE as readonly CatalogueEntry[]).find((entry) => entry.id === id)?.ceiling;
}

/** An explanation by its stored id (the delivery log keeps the id, not the text). */
export function explanationById(id: string): ReplyExplanation | undefined {
  const entry = (CATALOGUE as readonly CatalogueEntry[]).find((candidate) => candidate.id === id);
  return entry ? { id: entry.id as ExplanationId, nl: entry.nl, en: entry.en, ...(entry.action ? { action: entry.action } : {}) } : undefined;
}
