-- Signed webhooks for delivery events (issue 18). An event row is written by a trigger in the
-- transaction that changes the message, so every path that changes a message (the API, the
-- delivery engine's plain-success statement and its other writes, cancelling, crash recovery)
-- emits its events without having to remember it, and an event exists exactly when its change
-- committed. Without an endpoint for the message's API key the trigger finds nothing to insert.

CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED', 'DEAD');

CREATE TABLE "WebhookEndpoint" (
    "id" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "secretBox" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "WebhookDelivery" (
    "id" BIGSERIAL NOT NULL,
    "endpointId" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "WebhookEndpoint_apiKeyId_idx" ON "WebhookEndpoint"("apiKeyId");
CREATE UNIQUE INDEX "WebhookDelivery_endpointId_eventId_key" ON "WebhookDelivery"("endpointId", "eventId");
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");
CREATE INDEX "WebhookDelivery_endpointId_createdAt_idx" ON "WebhookDelivery"("endpointId", "createdAt" DESC);

ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The event for one change of one message, for every active endpoint of its API key that asked
-- for this type. The event id is derived from (message, type, attempt, status), so writing the
-- same change twice (a recovery) queues nothing new: ON CONFLICT on (endpointId, eventId).
-- The payload is bounded: no subject or body, the envelope recipients as the API returns them
-- (at most 1,000 per message), the last reply clipped to 500 characters.
CREATE FUNCTION "postkamer_webhook_event"(m "OutboundMessage", event_type TEXT) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
  event_id UUID := md5(m."id"::text || ':' || event_type || ':' || m."attemptCount" || ':' || m."status")::uuid;
BEGIN
  INSERT INTO "WebhookDelivery" ("endpointId", "eventId", "type", "payload")
  SELECT e."id", event_id, event_type, jsonb_build_object(
    'id', event_id,
    'type', event_type,
    'createdAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', jsonb_build_object(
      'messageId', m."id",
      'status', m."status",
      'attempt', m."attemptCount",
      'possibleDuplicate', m."possibleDuplicate",
      'serverId', m."serverId",
      'recipients', to_jsonb(m."to" || m."cc" || m."bcc"),
      'recipientCount', m."recipientCount",
      'responseCode', m."lastResponseCode",
      'response', left(m."lastResponse", 500),
      'nextAttemptAt', m."nextAttemptAt",
      'sentAt', m."sentAt"))
  FROM "WebhookEndpoint" e
  WHERE e."apiKeyId" = m."apiKeyId" AND e."active" AND event_type = ANY (e."events")
  ON CONFLICT ("endpointId", "eventId") DO NOTHING;
END
$$;

CREATE FUNCTION "postkamer_webhook_events_of_message"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "postkamer_webhook_event"(NEW, 'message.accepted');
    RETURN NULL;
  END IF;
  IF NEW."status" IS DISTINCT FROM OLD."status" THEN
    CASE NEW."status"
      WHEN 'SENT' THEN PERFORM "postkamer_webhook_event"(NEW, 'message.sent');
      WHEN 'PARTIALLY_SENT' THEN PERFORM "postkamer_webhook_event"(NEW, 'message.partially_delivered');
      WHEN 'FAILED' THEN PERFORM "postkamer_webhook_event"(NEW, 'message.failed');
      WHEN 'DEFERRED' THEN PERFORM "postkamer_webhook_event"(NEW, 'message.deferred');
      WHEN 'RETRYING' THEN PERFORM "postkamer_webhook_event"(NEW, 'message.deferred');
      ELSE NULL;
    END CASE;
  END IF;
  IF NEW."possibleDuplicate" AND NOT OLD."possibleDuplicate" THEN
    PERFORM "postkamer_webhook_event"(NEW, 'message.possible_duplicate');
  END IF;
  RETURN NULL;
END
$$;

-- Only messages submitted with an API key, and only updates that change what an event reports:
-- every other write (claims, hand-over bookkeeping) never calls the function.
CREATE TRIGGER "OutboundMessage_webhook_accepted"
AFTER INSERT ON "OutboundMessage"
FOR EACH ROW
WHEN (NEW."apiKeyId" IS NOT NULL)
EXECUTE FUNCTION "postkamer_webhook_events_of_message"();

CREATE TRIGGER "OutboundMessage_webhook_changed"
AFTER UPDATE OF "status", "possibleDuplicate" ON "OutboundMessage"
FOR EACH ROW
WHEN (NEW."apiKeyId" IS NOT NULL AND (NEW."status" IS DISTINCT FROM OLD."status" OR (NEW."possibleDuplicate" AND NOT OLD."possibleDuplicate")))
EXECUTE FUNCTION "postkamer_webhook_events_of_message"();
