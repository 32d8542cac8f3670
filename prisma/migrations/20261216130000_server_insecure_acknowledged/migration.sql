-- The "Ik begrijp…" acknowledgement for a server without encryption is remembered with the server
-- (issue 15, finding 7). Named after 20261216090000_platform_mail so it sorts after it. Servers that
-- are unencrypted today were saved with the acknowledgement ticked, so they keep it.
ALTER TABLE "MailServer" ADD COLUMN "insecureAcknowledgedAt" TIMESTAMPTZ(3);

UPDATE "MailServer" SET "insecureAcknowledgedAt" = "updatedAt" WHERE "tlsMode" = 'NONE';
