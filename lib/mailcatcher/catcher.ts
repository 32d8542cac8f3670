import { randomBytes } from "node:crypto";
import { MailDev } from "maildev";

/**
 * The local mail catcher for embedded (trial) mode: maildev's SMTP sink receives all outgoing
 * mail, and its API (loopback only, with a generated password) feeds the inbox page inside
 * Postkamer, which adds Postkamer's own sign-in and permission check.
 */
export type MailCatcher = { smtpPort: number; apiUrl: string; apiAuth: string; stop(): Promise<void> };

export async function startMailCatcher(options: { smtpPort: number; webPort: number }): Promise<MailCatcher> {
  const password = randomBytes(18).toString("base64url");
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: options.webPort,
    ip: "127.0.0.1",
    webIp: "127.0.0.1",
    webUser: "postkamer",
    webPass: password,
    silent: true,
  });
  await maildev.start();
  return {
    smtpPort: options.smtpPort,
    apiUrl: `http://127.0.0.1:${options.webPort}/api`,
    apiAuth: `postkamer:${password}`,
    stop: () => maildev.stop(),
  };
}
