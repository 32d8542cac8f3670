-- Webhook events through a narrow outbox (issue 18's bench). The statement triggers wrote one
-- WebhookDelivery row per event and endpoint: a JSON payload built in the trigger and four index
-- entries (one of them a random uuid), inside the delivery engine's record statement, which each
-- lane waits for before it lets the next message's "." go. Now the triggers write one narrow row
-- per event (the message's state at the change, no payload, a sequence key as its only index) and
-- the webhook dispatcher fans them out to their endpoints' deliveries (with the payload and the
-- idempotent event id) in its own transaction, outside the lanes' wait. An event exists exactly
-- when its change committed, as before; it reaches the endpoint's history at the next round.

CREATE TABLE "WebhookEvent" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "messageId" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "serverId" UUID,
    "status" "MessageStatus" NOT NULL,
    "attempt" INTEGER NOT NULL,
    "possibleDuplicate" BOOLEAN NOT NULL,
    "responseCode" INTEGER,
    "response" TEXT,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "sentAt" TIMESTAMPTZ(3),
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- The events of a statement's changes, for the message's API key when one of its active
-- endpoints asked for the type (nothing at all while no endpoint is active).
-- After INSERT: message.accepted.
CREATE OR REPLACE FUNCTION "postkamer_webhook_events_of_inserts"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "active") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "WebhookEvent" ("type", "messageId", "apiKeyId", "serverId", "status", "attempt", "possibleDuplicate",
    "responseCode", "response", "nextAttemptAt", "sentAt")
  SELECT 'message.accepted', n."id", n."apiKeyId", n."serverId", n."status", n."attemptCount", n."possibleDuplicate",
    n."lastResponseCode", left(n."lastResponse", 500), n."nextAttemptAt", n."sentAt"
  FROM new_rows n
  WHERE n."apiKeyId" IS NOT NULL
    AND EXISTS (SELECT 1 FROM "WebhookEndpoint" e
      WHERE e."apiKeyId" = n."apiKeyId" AND e."active" AND 'message.accepted' = ANY (e."events"));
  RETURN NULL;
END
$$;

-- After UPDATE: a status change (sent, partially delivered, failed, deferred) and a message
-- newly marked as a possible duplicate.
CREATE OR REPLACE FUNCTION "postkamer_webhook_events_of_updates"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "active") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "WebhookEvent" ("type", "messageId", "apiKeyId", "serverId", "status", "attempt", "possibleDuplicate",
    "responseCode", "response", "nextAttemptAt", "sentAt")
  SELECT t.event_type, n."id", n."apiKeyId", n."serverId", n."status", n."attemptCount", n."possibleDuplicate",
    n."lastResponseCode", left(n."lastResponse", 500), n."nextAttemptAt", n."sentAt"
  FROM new_rows n
  JOIN old_rows o ON o."id" = n."id"
  CROSS JOIN LATERAL (
    SELECT CASE n."status"
        WHEN 'SENT' THEN 'message.sent'
        WHEN 'PARTIALLY_SENT' THEN 'message.partially_delivered'
        WHEN 'FAILED' THEN 'message.failed'
        WHEN 'DEFERRED' THEN 'message.deferred'
        WHEN 'RETRYING' THEN 'message.deferred'
      END AS event_type
    WHERE n."status" IS DISTINCT FROM o."status"
    UNION ALL
    SELECT 'message.possible_duplicate' WHERE n."possibleDuplicate" AND NOT o."possibleDuplicate"
  ) t
  WHERE n."apiKeyId" IS NOT NULL AND t.event_type IS NOT NULL
    AND EXISTS (SELECT 1 FROM "WebhookEndpoint" e
      WHERE e."apiKeyId" = n."apiKeyId" AND e."active" AND t.event_type = ANY (e."events"));
  RETURN NULL;
END
$$;

-- The payload of an event, now built when the dispatcher fans it out: `created_at` is when the
-- change was made (the outbox row's occurredAt), not when the payload was built.
DROP FUNCTION "postkamer_webhook_payload"(UUID, TEXT, UUID, "MessageStatus", INTEGER, BOOLEAN, UUID, TEXT[], INTEGER, INTEGER, TEXT,
  TIMESTAMPTZ, TIMESTAMPTZ);

CREATE FUNCTION "postkamer_webhook_payload"(event_id UUID, event_type TEXT, created_at TIMESTAMPTZ, message_id UUID, status "MessageStatus",
  attempt INTEGER, possible_duplicate BOOLEAN, server_id UUID, recipients TEXT[], recipient_count INTEGER, response_code INTEGER,
  response TEXT, next_attempt_at TIMESTAMPTZ, sent_at TIMESTAMPTZ) RETURNS JSONB
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', event_id,
    'type', event_type,
    'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', jsonb_build_object(
      'messageId', message_id,
      'status', status,
      'attempt', attempt,
      'possibleDuplicate', possible_duplicate,
      'serverId', server_id,
      'recipients', to_jsonb(recipients),
      'recipientCount', recipient_count,
      'responseCode', response_code,
      'response', left(response, 500),
      'nextAttemptAt', next_attempt_at,
      'sentAt', sent_at))
$$;
