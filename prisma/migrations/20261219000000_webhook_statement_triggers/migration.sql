-- Webhook events written per statement instead of per row (issue 18's bench: the row trigger's
-- function calls, one INSERT each, sat inside the delivery engine's record statement, which each
-- lane waits for before it lets the next message's "." go, and cost 40 % of the delivery rate).
-- Same events, same ids, same payloads, same transaction: one set-based INSERT per statement over
-- the statement's transition tables, and nothing at all while no endpoint is active.

DROP TRIGGER "OutboundMessage_webhook_accepted" ON "OutboundMessage";
DROP TRIGGER "OutboundMessage_webhook_changed" ON "OutboundMessage";
DROP FUNCTION "postkamer_webhook_events_of_message"();
DROP FUNCTION "postkamer_webhook_event"("OutboundMessage", TEXT);

-- The events of a statement's changes: (message after the change, event type) for every active
-- endpoint of the message's API key that asked for the type. The event id is derived from
-- (message, type, attempt, status), so writing the same change twice (a recovery) queues nothing
-- new. The payload is bounded: no subject or body, the envelope recipients as the API returns
-- them (at most 1,000 per message), the last reply clipped to 500 characters.
-- After INSERT: message.accepted.
CREATE FUNCTION "postkamer_webhook_events_of_inserts"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "active") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "WebhookDelivery" ("endpointId", "eventId", "type", "payload")
  SELECT e."id", x.event_id, x.event_type, "postkamer_webhook_payload"(x.event_id, x.event_type, n."id", n."status", n."attemptCount",
    n."possibleDuplicate", n."serverId", n."to" || n."cc" || n."bcc", n."recipientCount", n."lastResponseCode", n."lastResponse",
    n."nextAttemptAt", n."sentAt")
  FROM new_rows n
  CROSS JOIN LATERAL (SELECT 'message.accepted'::text AS event_type,
    md5(n."id"::text || ':message.accepted:' || n."attemptCount" || ':' || n."status")::uuid AS event_id) x
  JOIN "WebhookEndpoint" e ON e."apiKeyId" = n."apiKeyId" AND e."active" AND x.event_type = ANY (e."events")
  WHERE n."apiKeyId" IS NOT NULL
  ON CONFLICT ("endpointId", "eventId") DO NOTHING;
  RETURN NULL;
END
$$;

-- After UPDATE: a status change (sent, partially delivered, failed, deferred) and a message
-- newly marked as a possible duplicate.
CREATE FUNCTION "postkamer_webhook_events_of_updates"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "active") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "WebhookDelivery" ("endpointId", "eventId", "type", "payload")
  SELECT e."id", x.event_id, x.event_type, "postkamer_webhook_payload"(x.event_id, x.event_type, n."id", n."status", n."attemptCount",
    n."possibleDuplicate", n."serverId", n."to" || n."cc" || n."bcc", n."recipientCount", n."lastResponseCode", n."lastResponse",
    n."nextAttemptAt", n."sentAt")
  FROM new_rows n
  JOIN old_rows o ON o."id" = n."id"
  CROSS JOIN LATERAL (
    SELECT t.event_type, md5(n."id"::text || ':' || t.event_type || ':' || n."attemptCount" || ':' || n."status")::uuid AS event_id
    FROM (
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
    WHERE t.event_type IS NOT NULL
  ) x
  JOIN "WebhookEndpoint" e ON e."apiKeyId" = n."apiKeyId" AND e."active" AND x.event_type = ANY (e."events")
  WHERE n."apiKeyId" IS NOT NULL
  ON CONFLICT ("endpointId", "eventId") DO NOTHING;
  RETURN NULL;
END
$$;

CREATE FUNCTION "postkamer_webhook_payload"(event_id UUID, event_type TEXT, message_id UUID, status "MessageStatus", attempt INTEGER,
  possible_duplicate BOOLEAN, server_id UUID, recipients TEXT[], recipient_count INTEGER, response_code INTEGER, response TEXT,
  next_attempt_at TIMESTAMPTZ, sent_at TIMESTAMPTZ) RETURNS JSONB
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', event_id,
    'type', event_type,
    'createdAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
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

CREATE TRIGGER "OutboundMessage_webhook_accepted"
AFTER INSERT ON "OutboundMessage"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT
EXECUTE FUNCTION "postkamer_webhook_events_of_inserts"();

CREATE TRIGGER "OutboundMessage_webhook_changed"
AFTER UPDATE ON "OutboundMessage"
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT
EXECUTE FUNCTION "postkamer_webhook_events_of_updates"();
