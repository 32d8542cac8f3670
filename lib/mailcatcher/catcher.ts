import { randomBytes } from "node:crypto";

/**
 * The local mail catcher for embedded (trial) mode: maildev's SMTP sink receives all outgoing
 * mail, and its API (loopback only, with a generated password) feeds the inbox page inside
 * Postkamer, which adds Postkamer's own sign-in and permission check.
 *
 * maildev (with its web server and their dependencies) is loaded only here, when trial mode
 * starts the catcher: an installation with DATABASE_URL never runs a line of it. It is a
 * dependency rather than a devDependency because trial mode is `npm start` itself, also after
 * `npm install --omit=dev`.
 */
export type MailCatcher = { smtpPort: number; apiUrl: string; apiAuth: string; stop(): Promise<void> };

export async function startMailCatcher(options: { smtpPort: number; webPort: number }): Promise<MailCatcher> {
  const password = randomBytes(18).toString("base64url");
  const { MailDev } = await import("maildev");
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
