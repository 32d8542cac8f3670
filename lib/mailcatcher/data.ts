import "server-only";

export type CaughtMail = { id: string; subject: string; from: string; to: string; text: string; time: Date };

type MaildevAddress = { address?: string; name?: string };
type MaildevMail = { id: string; subject?: string; from?: MaildevAddress[]; to?: MaildevAddress[]; text?: string; time?: string };

/** Only set by `npm start` in embedded mode. */
export function mailCatcherEnabled(): boolean {
  return Boolean(process.env.MAILCATCHER_API_URL);
}

const addresses = (list: MaildevAddress[] | undefined) => (list ?? []).map((a) => (a.name ? `${a.name} <${a.address}>` : (a.address ?? ""))).join(", ");

export async function listCaughtMail(limit = 50): Promise<CaughtMail[] | null> {
  const url = process.env.MAILCATCHER_API_URL;
  const auth = process.env.MAILCATCHER_API_AUTH ?? "";
  if (!url) return null;
  try {
    const response = await fetch(`${url}/email?sort=desc&limit=${limit}`, {
      headers: { authorization: `Basic ${Buffer.from(auth).toString("base64")}` },
      cache: "no-store",
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) return null;
    const mails = (await response.json()) as MaildevMail[];
    return mails.map((mail) => ({
      id: mail.id,
      subject: mail.subject ?? "",
      from: addresses(mail.from),
      to: addresses(mail.to),
      text: mail.text ?? "",
      time: new Date(mail.time ?? Date.now()),
    }));
  } catch {
    return null;
  }
}
