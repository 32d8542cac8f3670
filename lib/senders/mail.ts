import { formatDateTime } from "@/lib/i18n/format.ts";
import type { Locale } from "@/lib/i18n/translate.ts";

/**
 * The two verification e-mails. Both say, in Dutch and then English, what the code is for, who
 * asked for it and until when it is valid, so a recipient who did not expect it knows what to do.
 */
export type VerificationMailInput = {
  kind: "ownership" | "configuration";
  code: string;
  senderAddress: string;
  senderName: string;
  serverName: string;
  requestedBy: string;
  expiresAt: Date;
};

function when(date: Date, locale: Locale): string {
  return `${formatDateTime(date, locale, "long")} (Europe/Amsterdam)`;
}

export function verificationMail(input: VerificationMailInput): { subject: string; text: string } {
  const nlPurpose =
    input.kind === "ownership"
      ? `Deze code bewijst dat je het adres ${input.senderAddress} beheert. Hij is door Postkamer zelf naar de mailservers van je domein gestuurd, niet via mailserver "${input.serverName}".`
      : `Deze code bewijst dat mailserver "${input.serverName}" e-mail mag versturen als ${input.senderAddress}. Hij is via die mailserver verstuurd.`;
  const enPurpose =
    input.kind === "ownership"
      ? `This code proves that you manage the address ${input.senderAddress}. Postkamer itself sent it to your domain's mail servers, not through mail server "${input.serverName}".`
      : `This code proves that mail server "${input.serverName}" may send e-mail as ${input.senderAddress}. It was sent through that mail server.`;
  const subject =
    input.kind === "ownership"
      ? `Postkamer-verificatiecode (eigendom) voor ${input.senderAddress} / verification code (ownership)`
      : `Postkamer-verificatiecode (configuratie) voor ${input.senderAddress} / verification code (configuration)`;
  const text = [
    `Verificatiecode: ${input.code}`,
    "",
    nlPurpose,
    `Aangevraagd door ${input.requestedBy} om "${input.senderName}" <${input.senderAddress}> als afzender toe te voegen in Postkamer (Beheer › Applicatieinstellingen › Mailserver beheer).`,
    `De code is geldig tot ${when(input.expiresAt, "nl")} en kan één keer worden gebruikt. Voer beide codes in; de volgorde maakt niet uit.`,
    "Heb je dit niet aangevraagd? Dan hoef je niets te doen: zonder beide codes wordt het adres niet gebruikt.",
    "",
    "---",
    "",
    `Verification code: ${input.code}`,
    "",
    enPurpose,
    `Requested by ${input.requestedBy} to add "${input.senderName}" <${input.senderAddress}> as a sender in Postkamer.`,
    `The code is valid until ${when(input.expiresAt, "en")} and can be used once. Enter both codes; their order does not matter.`,
    "Did not request this? Then there is nothing to do: without both codes the address is not used.",
  ].join("\n");
  return { subject, text };
}
