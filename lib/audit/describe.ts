import { formatDate, formatNumber } from "@/lib/i18n/format.ts";
import { isMessageKey, type Locale, type MessageKey, type Translate } from "@/lib/i18n/translate.ts";

type Window = { window: "SECOND" | "MINUTE" | "HOUR" | "DAY"; windowSize: number; unit: "MESSAGES" | "RECIPIENTS" };

/**
 * Every audited action and the values its sentence needs. An entry stores the code and these
 * values (`AuditEntry.params`); the audit page translates them in the reader's language
 * (`describeAudit`). Value names must not look like secrets (record.ts masks those).
 */
export type AuditParams = {
  "user.create": { email: string };
  "user.roles.update": { email: string };
  "user.activate": { email: string };
  "user.deactivate": { email: string };
  "user.password.reset": { email: string };
  "role.create": { name: string };
  "role.permissions.update": { name: string };
  "apikey.create": { name: string };
  "apikey.revoke": { name: string };
  "apikey.webhook.create": { name: string; url: string };
  "apikey.webhook.rotate": { name: string; url: string };
  "apikey.webhook.enable": { name: string; url: string };
  "apikey.webhook.disable": { name: string; url: string };
  "apikey.webhook.delete": { name: string; url: string };
  "mailserver.create": { name: string };
  "mailserver.update": { name: string; connectionChanged: boolean };
  "mailserver.delete": { name: string };
  "mailserver.test": { name: string; ok: boolean; failedStep: string | null };
  "mailserver.resume": { name: string };
  "mailserver.limit.learned": { name: string; count: number } & Window;
  "mailserver.limit.dismissed": { name: string } & Window;
  "mailserver.recipientCap.learned": { name: string; count: number };
  "mailserver.recipientCap.dismissed": { name: string };
  "message.retry": { status: string };
  "message.cancel": { status: string };
  "template.create": { name: string };
  "template.update": { name: string };
  "template.test": { name: string; to: string };
  /** Without `server`: the platform's own delivery. */
  "template.route": { name: string; server?: string; sender?: string };
  "template.privacy.consent": { name: string; server: string; managedBy: string };
  "sender.create": { address: string; server: string };
  "sender.codes.resend": { address: string };
  "sender.verify": { address: string; server: string };
  "sender.verify.wrong": { address: string; tries: number; max: number };
  "sender.verify.locked": { address: string; tries: number; max: number };
  "sender.delete": { address: string; server: string };
  "platform.dkim.rotate": { domain: string; selector: string };
  "platform.dkim.activate": { domain: string; selector: string };
  /** The filter of the export, as the reader saw it: a user's e-mail ("system" for the system), an action or group code, names, days. */
  "audit.export": { actor?: string; action?: string; server?: string; template?: string; fromDate?: string; toDate?: string };
};

export type AuditAction = keyof AuditParams;

type Describe<A extends AuditAction> = (params: AuditParams[A], t: Translate, locale: Locale) => string;

/** A translated label when the catalog has one, else the stored code itself. */
function label(t: Translate, key: string, code: string | null | undefined): string {
  if (code == null) return "—";
  return isMessageKey(key) ? t(key) : code;
}

function windowText(p: Window, t: Translate): string {
  const size = p.windowSize ?? 1;
  return size === 1 ? t(`mailservers.limits.window.${p.window}`) : `${size} ${t(`mailservers.limits.windowPlural.${p.window}`)}`;
}

const simple =
  (key: MessageKey) =>
  (params: Record<string, unknown>, t: Translate): string =>
    t(key, Object.fromEntries(Object.entries(params).filter((e): e is [string, string | number] => typeof e[1] === "string" || typeof e[1] === "number")));

const DESCRIBE: { [A in AuditAction]: Describe<A> } = {
  "user.create": simple("audit.actions.userCreate"),
  "user.roles.update": simple("audit.actions.userRolesUpdate"),
  "user.activate": simple("audit.actions.userActivate"),
  "user.deactivate": simple("audit.actions.userDeactivate"),
  "user.password.reset": simple("audit.actions.userPasswordReset"),
  "role.create": simple("audit.actions.roleCreate"),
  "role.permissions.update": simple("audit.actions.rolePermissionsUpdate"),
  "apikey.create": simple("audit.actions.apikeyCreate"),
  "apikey.revoke": simple("audit.actions.apikeyRevoke"),
  "apikey.webhook.create": simple("audit.actions.apikeyWebhookCreate"),
  "apikey.webhook.rotate": simple("audit.actions.apikeyWebhookRotate"),
  "apikey.webhook.enable": simple("audit.actions.apikeyWebhookEnable"),
  "apikey.webhook.disable": simple("audit.actions.apikeyWebhookDisable"),
  "apikey.webhook.delete": simple("audit.actions.apikeyWebhookDelete"),
  "mailserver.create": simple("audit.actions.mailserverCreate"),
  "mailserver.update": (p, t) => t(p.connectionChanged ? "audit.actions.mailserverUpdateConnection" : "audit.actions.mailserverUpdate", { name: p.name }),
  "mailserver.delete": simple("audit.actions.mailserverDelete"),
  "mailserver.test": (p, t) =>
    p.ok
      ? t("audit.actions.mailserverTestOk", { name: p.name })
      : t("audit.actions.mailserverTestFailed", { name: p.name, step: label(t, `mailservers.probe.steps.${p.failedStep}`, p.failedStep) }),
  "mailserver.resume": simple("audit.actions.mailserverResume"),
  "mailserver.limit.learned": (p, t, locale) =>
    t("audit.actions.mailserverLimitLearned", {
      name: p.name,
      limit: t("mailservers.limits.sentence", {
        count: formatNumber(p.count, locale),
        unit: label(t, `mailservers.limits.unitOption.${p.unit}`, p.unit),
        window: windowText(p, t),
      }),
    }),
  "mailserver.limit.dismissed": (p, t) =>
    t("audit.actions.mailserverLimitDismissed", { name: p.name, unit: label(t, `mailservers.limits.unitOption.${p.unit}`, p.unit), window: windowText(p, t) }),
  "mailserver.recipientCap.learned": (p, t) => t("audit.actions.mailserverRecipientCapLearned", { name: p.name, count: p.count }),
  "mailserver.recipientCap.dismissed": simple("audit.actions.mailserverRecipientCapDismissed"),
  "message.retry": (p, t) => t("audit.actions.messageRetry", { status: label(t, `logging.status.${p.status}`, p.status) }),
  "message.cancel": (p, t) => t("audit.actions.messageCancel", { status: label(t, `logging.status.${p.status}`, p.status) }),
  "template.create": simple("audit.actions.templateCreate"),
  "template.update": simple("audit.actions.templateUpdate"),
  "template.test": simple("audit.actions.templateTest"),
  "template.route": (p, t) =>
    p.server
      ? t("audit.actions.templateRouteServer", { name: p.name, server: p.server, sender: p.sender ?? "—" })
      : t("audit.actions.templateRoutePlatform", { name: p.name }),
  "template.privacy.consent": (p, t) =>
    t("audit.actions.templatePrivacyConsent", {
      name: p.name,
      server: p.server,
      managedBy: label(t, `mailservers.managedByOptions.${p.managedBy}`, p.managedBy),
    }),
  "sender.create": simple("audit.actions.senderCreate"),
  "sender.codes.resend": simple("audit.actions.senderCodesResend"),
  "sender.verify": simple("audit.actions.senderVerify"),
  "sender.verify.wrong": simple("audit.actions.senderVerifyWrong"),
  "sender.verify.locked": simple("audit.actions.senderVerifyLocked"),
  "sender.delete": simple("audit.actions.senderDelete"),
  "platform.dkim.rotate": simple("audit.actions.platformDkimRotate"),
  "platform.dkim.activate": simple("audit.actions.platformDkimActivate"),
  "audit.export": (p, t, locale) => t("audit.actions.auditExport", { filter: describeExportFilter(p, t, locale) }),
};

/** "wie: anna@example.nl; wat: Routes en FG-toestemming; van 1-12-2026", or "zonder filter". */
function describeExportFilter(p: AuditParams["audit.export"], t: Translate, locale: Locale): string {
  const parts: string[] = [];
  if (p.actor) parts.push(t("audit.export.actor", { value: p.actor === "system" ? t("audit.system") : p.actor }));
  if (p.action) parts.push(t("audit.export.action", { value: actionFilterLabel(p.action, t) }));
  if (p.server) parts.push(t("audit.export.server", { value: p.server }));
  if (p.template) parts.push(t("audit.export.template", { value: p.template }));
  if (p.fromDate) parts.push(t("audit.export.from", { value: formatDate(p.fromDate, locale) }));
  if (p.toDate) parts.push(t("audit.export.to", { value: formatDate(p.toDate, locale) }));
  return parts.length > 0 ? parts.join("; ") : t("audit.export.none");
}

/** The catalog name of each action (audit.labels.*, audit.actions.*). */
const ACTION_NAMES: { [A in AuditAction]: string } = {
  "user.create": "userCreate",
  "user.roles.update": "userRolesUpdate",
  "user.activate": "userActivate",
  "user.deactivate": "userDeactivate",
  "user.password.reset": "userPasswordReset",
  "role.create": "roleCreate",
  "role.permissions.update": "rolePermissionsUpdate",
  "apikey.create": "apikeyCreate",
  "apikey.revoke": "apikeyRevoke",
  "apikey.webhook.create": "apikeyWebhookCreate",
  "apikey.webhook.rotate": "apikeyWebhookRotate",
  "apikey.webhook.enable": "apikeyWebhookEnable",
  "apikey.webhook.disable": "apikeyWebhookDisable",
  "apikey.webhook.delete": "apikeyWebhookDelete",
  "mailserver.create": "mailserverCreate",
  "mailserver.update": "mailserverUpdate",
  "mailserver.delete": "mailserverDelete",
  "mailserver.test": "mailserverTest",
  "mailserver.resume": "mailserverResume",
  "mailserver.limit.learned": "mailserverLimitLearned",
  "mailserver.limit.dismissed": "mailserverLimitDismissed",
  "mailserver.recipientCap.learned": "mailserverRecipientCapLearned",
  "mailserver.recipientCap.dismissed": "mailserverRecipientCapDismissed",
  "message.retry": "messageRetry",
  "message.cancel": "messageCancel",
  "template.create": "templateCreate",
  "template.update": "templateUpdate",
  "template.test": "templateTest",
  "template.route": "templateRoute",
  "template.privacy.consent": "templatePrivacyConsent",
  "sender.create": "senderCreate",
  "sender.codes.resend": "senderCodesResend",
  "sender.verify": "senderVerify",
  "sender.verify.wrong": "senderVerifyWrong",
  "sender.verify.locked": "senderVerifyLocked",
  "sender.delete": "senderDelete",
  "platform.dkim.rotate": "platformDkimRotate",
  "platform.dkim.activate": "platformDkimActivate",
  "audit.export": "auditExport",
};

export const AUDIT_ACTIONS = Object.keys(ACTION_NAMES) as AuditAction[];

/**
 * Groups of actions for the filter. "routes" is what the privacy officer asks for: which template
 * was routed through which server, and who confirmed the FG's consent; "rights" every change to who
 * may do what.
 */
export const ACTION_GROUPS = {
  rights: AUDIT_ACTIONS.filter((a) => /^(user|role|apikey)\./.test(a)),
  mailservers: AUDIT_ACTIONS.filter((a) => a.startsWith("mailserver.")),
  senders: AUDIT_ACTIONS.filter((a) => a.startsWith("sender.")),
  templates: AUDIT_ACTIONS.filter((a) => a.startsWith("template.")),
  routes: ["template.route", "template.privacy.consent"],
  messages: ["message.retry", "message.cancel"],
  platform: AUDIT_ACTIONS.filter((a) => a.startsWith("platform.")),
  audit: ["audit.export"],
} satisfies Record<string, AuditAction[]>;

export type ActionGroup = keyof typeof ACTION_GROUPS;

export function isActionGroup(value: string): value is ActionGroup {
  return Object.hasOwn(ACTION_GROUPS, value);
}

/** The short name of an action ("Verbinding getest"), never its code; an action this version does not know is "Andere actie". */
export function actionLabel(action: string, t: Translate): string {
  const key = isAuditAction(action) ? `audit.labels.${ACTION_NAMES[action]}` : "";
  return isMessageKey(key) ? t(key) : t("audit.unknownAction");
}

/** An action filter's name: a group ("group:routes") or one action. */
export function actionFilterLabel(value: string, t: Translate): string {
  const group = value.startsWith("group:") ? value.slice("group:".length) : null;
  if (group !== null) return isActionGroup(group) ? t(`audit.groups.${group}`) : t("audit.unknownAction");
  return actionLabel(value, t);
}

export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(DESCRIBE, action);
}

/** The sentence of one action in the reader's language. */
export function describeAction<A extends AuditAction>(action: A, params: AuditParams[A], t: Translate, locale: Locale): string {
  return (DESCRIBE[action] as Describe<A>)(params, t, locale);
}

/**
 * What the audit page shows for a stored entry: its action translated with its values, or, for an
 * entry written before codes were stored (no params, or an action this version does not know), the
 * summary stored with it.
 */
export function describeAudit(entry: { action: string; params: unknown; summary: string }, t: Translate, locale: Locale): string {
  const { action, params } = entry;
  if (params === null || typeof params !== "object" || Array.isArray(params) || !isAuditAction(action)) return entry.summary;
  try {
    return describeAction(action, params as AuditParams[typeof action], t, locale);
  } catch {
    return entry.summary;
  }
}
