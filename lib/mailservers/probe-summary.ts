import type { Locale, Translate } from "@/lib/i18n/translate.ts";
import { SERVER_TYPES } from "./presets.ts";
import type { ProbeResult, ProbeStep, ProbeStepName } from "./probe.ts";

/**
 * A connection test in plain words: one headline, what happened and what to do next. The
 * resolver's, socket's and server's own (English) words stay in the steps, which the page shows
 * folded under "Technische details"; this summary only uses the message catalogue and the reply
 * catalogue's Dutch and English explanations. Runs anywhere.
 */

type Key = Parameters<Translate>[0];

export interface ProbeSummary {
  tone: "ok" | "warning" | "error";
  headline: string;
  /** What happened, in the reader's language. */
  cause?: string;
  /** What to do next. */
  action?: string;
  /** For the warning: the server itself works (connection and sign-in succeeded). */
  note?: string;
}

/** After these steps the connection and the sign-in have succeeded: what follows is about the addresses. */
const ENVELOPE_STEPS: readonly ProbeStepName[] = ["mailFrom", "rcptTo"];

/** Failures whose usual advice is "check the host name"; for a preset's host the name is right and the network is the suspect. */
const UNREACHABLE = new Set(["dns-not-found", "connection-refused", "network-unreachable", "connection-timeout", "greeting-timeout"]);

/** The generic sentence per step, for failures the reply catalogue has no explanation for. */
const FALLBACK: Record<ProbeStepName, "token" | "resolve" | "connect" | "tls" | "greeting" | "ehlo" | "auth" | "mailFrom" | "rcptTo" | "other"> = {
  token: "token",
  resolve: "resolve",
  connect: "connect",
  tls: "tls",
  starttls: "tls",
  greeting: "greeting",
  ehlo: "ehlo",
  ehloAfterTls: "ehlo",
  auth: "auth",
  mailFrom: "mailFrom",
  rcptTo: "rcptTo",
  rset: "other",
  quit: "other",
};

/** The test was refused at MAIL FROM or RCPT TO with a From that is not the server's own: the server works, that address does not. */
export function refusedForOtherSender(result: Pick<ProbeResult, "ok" | "failedStep" | "context">): boolean {
  return !result.ok && result.failedStep !== undefined && ENVELOPE_STEPS.includes(result.failedStep) && result.context?.ownSender === false;
}

/**
 * The server's state ("Verbinding werkt" / "Verbinding mislukt") after a test. A test with
 * another From that is refused at MAIL FROM or RCPT TO has proven the connection and the sign-in,
 * and says nothing about the server's own senders: it keeps the state those gave (a refusal of an
 * own sender stays a failure), and otherwise counts as working.
 */
export function serverStateAfterTest(result: ProbeResult, previous: { ok: boolean | null; result: ProbeResult | null }): boolean {
  if (result.ok) return true;
  if (!refusedForOtherSender(result)) return false;
  const ownSenderRefused =
    previous.ok === false &&
    previous.result !== null &&
    previous.result.failedStep !== undefined &&
    ENVELOPE_STEPS.includes(previous.result.failedStep) &&
    previous.result.context?.ownSender !== false;
  return !ownSenderRefused;
}

export function summarizeProbe(result: ProbeResult, t: Translate, locale: Locale): ProbeSummary {
  if (result.ok) return { tone: "ok", headline: t("mailservers.probe.ok") };
  const failed = result.steps.find((step) => !step.ok);
  const context = result.context;
  const stepName = result.failedStep ?? failed?.step ?? "connect";
  const { cause, action } = explain(stepName, failed, result, t, locale);
  if (refusedForOtherSender(result) && context) {
    return {
      tone: "warning",
      headline:
        stepName === "mailFrom"
          ? t("mailservers.probe.fromRefused", { from: context.mailFrom })
          : t("mailservers.probe.rcptRefused", { from: context.mailFrom, rcpt: context.rcptTo }),
      cause,
      action,
      note: t("mailservers.probe.serverStillWorks"),
    };
  }
  return { tone: "error", headline: t("mailservers.probe.failed", { step: t(`mailservers.probe.steps.${stepName}`) }), cause, action };
}

function explain(
  stepName: ProbeStepName,
  failed: ProbeStep | undefined,
  result: ProbeResult,
  t: Translate,
  locale: Locale,
): { cause: string; action?: string } {
  const explanation = failed?.explanation;
  const context = result.context;
  const network = stepName === "resolve" || stepName === "connect" || stepName === "greeting";
  if (context?.presetType && network && (!explanation || UNREACHABLE.has(explanation.id))) {
    const values = { provider: SERVER_TYPES[context.presetType].label[locale], host: context.host, port: context.port };
    return {
      cause: t(stepName === "resolve" ? "mailservers.probe.presetNotFound" : "mailservers.probe.presetUnreachable", values),
      action: t("mailservers.probe.presetUnreachableAction", values),
    };
  }
  if (explanation) return { cause: explanation[locale], ...(explanation.action ? { action: explanation.action[locale] } : {}) };
  const fallback = FALLBACK[stepName];
  return { cause: t(`mailservers.probe.problem.${fallback}` as Key), action: t(`mailservers.probe.problemAction.${fallback}` as Key) };
}
