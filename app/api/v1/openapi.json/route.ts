import { NextResponse } from "next/server";
import { z } from "zod";
import { REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER } from "@/lib/webhooks/signature.ts";
import { messageEventSchema, testEventSchema } from "@/lib/webhooks/schema.ts";
import { apiErrorSchema, MAX_RECIPIENTS, MAX_REQUEST_BYTES, messageAcceptedSchema, messageStatusSchema, submitSchema } from "@/lib/messages/schema.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const error = (description: string) => ({ description, content: json(ref("Error")) });

const unauthorized = {
  ...error("No API key, an unknown key or a revoked key (`unauthorized`)."),
  headers: { "WWW-Authenticate": { schema: { type: "string", const: "Bearer" } } },
};
const internal = error("Unexpected failure; nothing was stored (`internal_error`).");

/**
 * Generated from the same zod schemas the handlers validate with (zod 4's toJSONSchema, JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as its schema dialect), so the description cannot say
 * something the API does not do. Built per request: it is small, and a module constant would
 * run toJSONSchema at build time for nothing.
 */
function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Postkamer submission API",
      version: "1",
      description:
        "The application hands Postkamer its e-mail here. Each message is rendered into its master template's frame, routed along the template's mail server and sender (or the platform's own delivery), and stored with its delivery job in one transaction.",
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/v1/messages": {
        post: {
          operationId: "submitMessage",
          summary: "Submit a message for delivery",
          description: `At most ${MAX_RECIPIENTS} recipients in to, cc and bcc together; at least one of html and text. A repeated idempotencyKey (per API key) returns the first message and stores nothing.`,
          requestBody: { required: true, content: json(ref("SubmitMessage")) },
          responses: {
            "202": {
              description: "Accepted and queued. A replayed idempotent request answers with the first message.",
              headers: {
                "Idempotent-Replayed": { description: "Present (`true`) when the idempotencyKey was seen before.", schema: { type: "string", const: "true" } },
              },
              content: json(ref("MessageAccepted")),
            },
            "400": error("The body is not JSON (`invalid_json`) or does not match SubmitMessage (`validation_failed`, with `fields`)."),
            "401": unauthorized,
            "413": error(`The body is larger than ${MAX_REQUEST_BYTES} bytes (\`payload_too_large\`).`),
            "415": error("The Content-Type is not application/json (`unsupported_media_type`)."),
            "422": error("No master template has this key (`unknown_template`)."),
            "500": internal,
          },
        },
      },
      "/api/v1/messages/{id}": {
        get: {
          operationId: "getMessage",
          summary: "Status, route, per-recipient outcome and delivery attempts of a message",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "The message.", content: json(ref("MessageStatus")) },
            "401": unauthorized,
            "404": error("No such message (`not_found`)."),
            "500": internal,
          },
        },
      },
    },
    // OpenAPI 3.1: the calls Postkamer makes to the endpoints configured per API key.
    webhooks: {
      messageEvent: {
        post: {
          operationId: "messageEvent",
          summary: "A message changed: accepted, sent, deferred, partially delivered, failed, possible duplicate",
          description: `Configured per API key (Autorisaties › API-sleutels). Every call carries \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\`, where v1 is HMAC-SHA256 under the endpoint's secret over \`<t>.<raw body>\`; refuse a t more than ${REPLAY_WINDOW_SECONDS / 60} minutes from your clock (replay window) and compare in constant time (\`verifyWebhookSignature\` in lib/webhooks/signature.ts). Also sent: Postkamer-Event-Id and Postkamer-Event-Type. Answer 2xx within 10 s; anything else is retried with backoff (30 s, doubling, at most 1 h apart) for 24 hours with the same event id, then given up. Events can arrive more than once and out of order: deduplicate on id, order by createdAt. No subject or body is ever sent.`,
          parameters: [{ name: SIGNATURE_HEADER, in: "header", required: true, schema: { type: "string", pattern: "^t=\\d+,v1=[0-9a-f]{64}$" } }],
          requestBody: { required: true, content: json(ref("MessageEvent")) },
          responses: { "2XX": { description: "Received; not sent again." } },
        },
      },
      testEvent: {
        post: {
          operationId: "testEvent",
          summary: 'The "Testgebeurtenis versturen" button: a signed test call',
          requestBody: { required: true, content: json(ref("TestEvent")) },
          responses: { "2XX": { description: "Received." } },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key from Autorisaties › API-sleutels." } },
      schemas: {
        SubmitMessage: z.toJSONSchema(submitSchema),
        MessageAccepted: z.toJSONSchema(messageAcceptedSchema),
        MessageStatus: z.toJSONSchema(messageStatusSchema),
        Error: z.toJSONSchema(apiErrorSchema),
        MessageEvent: z.toJSONSchema(messageEventSchema),
        TestEvent: z.toJSONSchema(testEventSchema),
      },
    },
  };
}

/** `GET /api/v1/openapi.json`: public, like any API description; it reveals nothing about the installation. */
export function GET() {
  return NextResponse.json(openApiDocument());
}
