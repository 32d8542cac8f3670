/**
 * The last line against header and SMTP injection (ASVS 1.3.11) for mail Postkamer composes
 * itself: callers validate user input first, so a failure here is a programming error.
 */
export type SafeMessageInput = {
  from: { name: string; address: string };
  /** Recipient addresses. */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** `<id@domain>`; keep it stable across retries so the log and the recipient see one message. */
  messageId?: string;
  headers?: Record<string, string>;
};

// C0 and C1 controls (CR, LF, NEL …) and the Unicode line/paragraph separators, which some
// mail software treats as line breaks.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// One address, nothing that could start a second one or a comment; dotless domains such as
// "localhost" (the embedded default sender) are fine.
const PLAIN_ADDRESS = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+$/;
const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
const HEADER_NAME = /^[!-9;-~]+$/;

function assertNoControl(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
  if (CONTROL_CHARACTERS.test(value)) throw new TypeError(`${what} contains a line break or control character`);
}

function assertAddress(value: unknown, what: string): asserts value is string {
  assertNoControl(value, what);
  if (!PLAIN_ADDRESS.test(value)) throw new TypeError(`${what} is not a plain e-mail address`);
}

export function assertSafeMessage(message: SafeMessageInput): void {
  assertNoControl(message.from?.name, "from.name");
  assertAddress(message.from?.address, "from.address");
  assertNoControl(message.subject, "subject");
  if (!Array.isArray(message.to) || message.to.length === 0) throw new TypeError("to must list at least one recipient");
  message.to.forEach((address, index) => assertAddress(address, `to[${index}]`));
  if (typeof message.text !== "string") throw new TypeError("text must be a string");
  if (message.html !== undefined && typeof message.html !== "string") throw new TypeError("html must be a string");
  if (message.messageId !== undefined) {
    assertNoControl(message.messageId, "messageId");
    if (!MESSAGE_ID.test(message.messageId)) throw new TypeError("messageId must look like <id@domain>");
  }
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`header name ${JSON.stringify(name)} is not valid`);
    assertNoControl(value, `header ${name}`);
  }
}
