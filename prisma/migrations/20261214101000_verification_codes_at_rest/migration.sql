-- Verification codes are not kept in the stored mail once it is handed over (issue 14). The
-- codes themselves are only stored as HMACs (SenderVerification); the mail body that carried
-- one keeps "Verificatiecode: •••••-•••••" from the moment the message reaches a final status
-- (sent, failed, partially sent, cancelled), or its round is completed, so a database or backup
-- reader cannot use a code that never reached the sender. A mail still waiting to be delivered
-- keeps its code: it must still arrive, also when a newer round has superseded its round.
-- Triggers rather than application code: every path that ends a message (the delivery engine,
-- cancelling, retention, a crash recovery) is covered without each having to remember it.

CREATE FUNCTION "postkamer_mask_verification_code"(body TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- lib/senders/mail.ts writes the code after these two labels, as XXXXX-XXXXX.
  SELECT regexp_replace(body, '(Verificatiecode|Verification code): [0-9A-Z]{5}-[0-9A-Z]{5}', '\1: •••••-•••••', 'g')
$$;

CREATE FUNCTION "postkamer_mask_codes_of_final_message"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  NEW."text" := "postkamer_mask_verification_code"(NEW."text");
  NEW."html" := "postkamer_mask_verification_code"(NEW."html");
  RETURN NEW;
END
$$;

-- The WHEN clause keeps every other message (and every non-final update) free of any cost.
CREATE TRIGGER "OutboundMessage_mask_verification_code"
BEFORE INSERT OR UPDATE ON "OutboundMessage"
FOR EACH ROW
WHEN (NEW."kind" IN ('OWNERSHIP_CODE', 'CONFIGURATION_CODE')
      AND NEW."status" IN ('SENT', 'FAILED', 'PARTIALLY_SENT', 'CANCELLED'))
EXECUTE FUNCTION "postkamer_mask_codes_of_final_message"();

-- A completed round's codes are used up: mask its mails even if one is still on its way (a
-- message a worker holds right now is skipped rather than waited for; it is masked when it
-- reaches its final status).
CREATE FUNCTION "postkamer_mask_codes_of_completed_round"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "OutboundMessage" m
     SET "text" = "postkamer_mask_verification_code"(m."text"),
         "html" = "postkamer_mask_verification_code"(m."html")
   WHERE m."id" IN (
     SELECT o."id" FROM "OutboundMessage" o
      WHERE o."id" IN (NEW."ownershipMessageId", NEW."configurationMessageId")
      FOR UPDATE SKIP LOCKED);
  RETURN NULL;
END
$$;

CREATE TRIGGER "SenderVerification_mask_codes_when_completed"
AFTER UPDATE OF "completedAt" ON "SenderVerification"
FOR EACH ROW
WHEN (OLD."completedAt" IS NULL AND NEW."completedAt" IS NOT NULL)
EXECUTE FUNCTION "postkamer_mask_codes_of_completed_round"();

-- What is already stored: finished code mails and the mails of completed rounds.
UPDATE "OutboundMessage"
   SET "text" = "postkamer_mask_verification_code"("text"),
       "html" = "postkamer_mask_verification_code"("html")
 WHERE "kind" IN ('OWNERSHIP_CODE', 'CONFIGURATION_CODE')
   AND ("status" IN ('SENT', 'FAILED', 'PARTIALLY_SENT', 'CANCELLED')
        OR "id" IN (SELECT "ownershipMessageId" FROM "SenderVerification" WHERE "completedAt" IS NOT NULL
                    UNION SELECT "configurationMessageId" FROM "SenderVerification" WHERE "completedAt" IS NOT NULL));
