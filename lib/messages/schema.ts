import { z } from "zod";
import { MessageStatus } from "@/lib/generated/prisma/enums.ts";

/**
 * The submission API's contract (`POST /api/v1/messages`, `GET /api/v1/messages/{id}`). Runs
 * anywhere; the OpenAPI document at /api/v1/openapi.json is generated from these schemas, so the
 * documentation cannot drift from what the handlers accept. Checks are regexes and lengths rather
 * than refinements where possible because those survive into the JSON Schema.
 *
 * Messages are English: the readers are the application's developers, not Dutch end users.
 */

/** To, Cc and Bcc together. Servers with a lower per-message cap split the message on delivery. */
export const MAX_RECIPIENTS = 1000;
/** Per body part (html, text), in characters. */
export const MAX_BODY_LENGTH = 1_000_000;
/**
 * Hard cap on a request body in bytes, checked before parsing: room for both body parts at their
 * limit with JSON escaping, plus the recipients.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** RFC 5322's line-length limit; a longer subject is a mistake, not a subject. */
export const MAX_SUBJECT_LENGTH = 998;

// CR/LF would let a value start a new MIME header (header injection, ASVS 1.3.11); the other
// control characters and the Unicode line separators have no business in a header either.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f\u2028\u2029]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const address = z.email({ message: "must be an e-mail address" }).max(254, "must be at most 254 characters");

const recipient = z.union([
  address,
  z.strictObject({
    name: z.string().max(200, "must be at most 200 characters").regex(NO_CONTROL_CHARACTERS, "must not contain line breaks or control characters"),
    address,
  }),
]);

export type Recipient = z.infer<typeof recipient>;

const recipientList = z.array(recipient).max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} recipients`);

const body = z.string().max(MAX_BODY_LENGTH, `must be at most ${MAX_BODY_LENGTH} characters`);

export const submitSchema = z
  .strictObject({
    template: z.string().min(1, "is required").max(200, "must be at most 200 characters"),
    to: recipientList.min(1, "at least one recipient is required"),
    cc: recipientList.optional(),
    bcc: recipientList.optional(),
    subject: z
      .string()
      .min(1, "is required")
      .max(MAX_SUBJECT_LENGTH, `must be at most ${MAX_SUBJECT_LENGTH} characters`)
      .regex(NO_CONTROL_CHARACTERS, "must not contain line breaks or control characters"),
    html: body.optional(),
    text: body.optional(),
    replyTo: recipient.optional(),
    idempotencyKey: z
      .string()
      .min(1, "must not be empty")
      .max(200, "must be at most 200 characters")
      .regex(PRINTABLE_ASCII, "must be printable ASCII")
      .optional(),
  })
  .superRefine((message, ctx) => {
    if (!message.html && !message.text) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "html or text is required" });
    }
    const total = message.to.length + (message.cc?.length ?? 0) + (message.bcc?.length ?? 0);
    if (total > MAX_RECIPIENTS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `at most ${MAX_RECIPIENTS} recipients in to, cc and bcc together (got ${total})` });
    }
  });

export type SubmitInput = z.infer<typeof submitSchema>;

const status = z
  .enum(MessageStatus)
  .describe(
    "QUEUED, DEFERRED (waiting for a sending limit), SENDING, RETRYING (a temporary failure, tried again with backoff for up to 48 h) while in progress; SENT (every recipient accepted), PARTIALLY_SENT (some recipients accepted, the others refused for good: see recipients), FAILED or CANCELLED when final. A message in progress can have recipients that are DELIVERED already.",
  );

const recipientState = z
  .enum(["DELIVERED", "WAITING", "FAILED"])
  .describe(
    "DELIVERED: the server accepted this recipient, it is never sent again. WAITING: still to be handed over (or refused for now). FAILED: refused for good.",
  );

export const messageAcceptedSchema = z.strictObject({
  id: z.uuid(),
  status,
});

export const messageStatusSchema = z.strictObject({
  id: z.uuid(),
  status,
  /** null when the template was deleted after the message was accepted. */
  template: z.string().nullable(),
  route: z.strictObject({
    /** null: the platform's own delivery. */
    server: z.strictObject({ id: z.uuid(), name: z.string() }).nullable(),
    from: z.strictObject({ name: z.string(), address: z.string() }),
  }),
  attempts: z.array(
    z.strictObject({
      number: z.int(),
      startedAt: z.iso.datetime(),
      finishedAt: z.iso.datetime().nullable(),
      outcome: z.enum(["SENT", "RETRY", "DEFERRED", "FAILED"]).nullable(),
      responseCode: z.int().nullable(),
      response: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  /** Every envelope recipient (to, cc, bcc) once, in that order. */
  recipients: z
    .array(
      z.strictObject({
        address: z.string(),
        state: recipientState,
        code: z
          .int()
          .optional()
          .describe("The server's reply code for this recipient (250 when accepted); absent until the server answered this recipient on its own."),
        reply: z.string().optional().describe("The server's reply line for this recipient, as received."),
        at: z.iso.datetime().optional().describe("When the server answered this recipient."),
      }),
    )
    .describe(
      "What became of each recipient. Without per-recipient answers the message status decides: SENT means all DELIVERED, FAILED and CANCELLED all FAILED, otherwise WAITING.",
    ),
  summary: z.strictObject({ total: z.int(), delivered: z.int(), waiting: z.int(), failed: z.int() }).describe("The recipients counted per state."),
  createdAt: z.iso.datetime(),
  sentAt: z.iso.datetime().nullable(),
});

export const API_ERRORS = [
  "unauthorized",
  "unsupported_media_type",
  "payload_too_large",
  "invalid_json",
  "validation_failed",
  "unknown_template",
  "not_found",
  "internal_error",
] as const;

export type ApiErrorCode = (typeof API_ERRORS)[number];

export const apiErrorSchema = z.strictObject({
  error: z.enum(API_ERRORS),
  /** Only with validation_failed: dotted paths into the request body ("to.0.address"). */
  fields: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});

export type FieldError = { path: string; message: string };

/** zod's issues as the API reports them; each unknown field gets its own entry. Capped so a 1000-recipient mistake stays a readable answer. */
export function fieldErrors(error: z.ZodError, limit = 100): FieldError[] {
  const fields = error.issues.flatMap((issue): FieldError[] => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: [...path, key].join("."), message: "unknown field" }));
    return [{ path: path.join("."), message: issue.message }];
  });
  return fields.slice(0, limit);
}
