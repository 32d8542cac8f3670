import { compile } from "html-to-text";

export type Frame = { htmlFrame: string; textFrame: string };
export type MessageBody = { subject: string; html?: string; text?: string };
export type RenderedMessage = { html: string | null; text: string };

/** `{{inhoud}}` and `{{onderwerp}}` exactly as the template form requires them; anything else in braces is the frame's own text. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const BODY_SLOT = "{{inhoud}}";

// Compiled once: html-to-text builds its selector tree per options object, which is the costly part.
const htmlToText = compile({
  wordwrap: 78,
  selectors: [
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    { selector: "img", format: "skip" },
  ],
});

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}

/** The plain-text part of a message that only came with HTML. */
export function textFromHtml(html: string): string {
  return htmlToText(html).trim();
}

/**
 * Fills one frame in a single pass, so a body that itself contains `{{onderwerp}}` is never
 * substituted a second time. A frame without the body slot (older data, bypassed validation)
 * gets the body appended: accepted mail must never lose its content.
 */
function fill(frame: string, values: { inhoud: string; onderwerp: string }, escapeLiteral: (value: string) => string): string {
  const filled = frame.replace(PLACEHOLDER, (placeholder: string, name: string) => {
    if (name === "inhoud") return values.inhoud;
    if (name === "onderwerp") return values.onderwerp;
    return escapeLiteral(placeholder);
  });
  return frame.includes(BODY_SLOT) ? filled : `${filled}${filled ? "\n" : ""}${values.inhoud}`;
}

/**
 * Puts an application message into its master template's house-style frame. The HTML body is
 * the application's own markup and goes in as-is; the subject is escaped in the HTML frame.
 * Without an HTML body the message is text-only (html null); without a text body the text part
 * is derived from the HTML body, so every message has a plain-text alternative.
 */
export function renderIntoFrame(frame: Frame, message: MessageBody): RenderedMessage {
  const textBody = message.text ?? textFromHtml(message.html ?? "");
  const text = fill(frame.textFrame, { inhoud: textBody, onderwerp: message.subject }, (literal) => literal);
  const html = message.html === undefined ? null : fill(frame.htmlFrame, { inhoud: message.html, onderwerp: escapeHtml(message.subject) }, escapeHtml);
  return { html, text };
}
