-- The audit trail for people (issue 16): filters on the server and the template an entry concerns,
-- the client address of the change, and keyset paging by (at, id) within each filter.
-- Named after 20261215090000_audit_params (not by today's date) because it fills in params.
ALTER TABLE "AuditEntry" ADD COLUMN "serverId" UUID,
ADD COLUMN "templateId" UUID,
ADD COLUMN "clientAddress" TEXT;

DROP INDEX "AuditEntry_at_idx";

CREATE INDEX "AuditEntry_at_id_idx" ON "AuditEntry"("at" DESC, "id" DESC);

CREATE INDEX "AuditEntry_actorId_at_id_idx" ON "AuditEntry"("actorId", "at" DESC, "id" DESC);

CREATE INDEX "AuditEntry_serverId_at_id_idx" ON "AuditEntry"("serverId", "at" DESC, "id" DESC);

CREATE INDEX "AuditEntry_templateId_at_id_idx" ON "AuditEntry"("templateId", "at" DESC, "id" DESC);

-- Existing entries: the server or template they concern, where the entry tells.
UPDATE "AuditEntry" SET "serverId" = "entityId"::uuid
WHERE "entityType" = 'MailServer' AND "entityId" ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

UPDATE "AuditEntry" SET "templateId" = "entityId"::uuid
WHERE "entityType" = 'MasterTemplate' AND "entityId" ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

UPDATE "AuditEntry" SET "serverId" = ("after"->>'serverId')::uuid
WHERE "serverId" IS NULL AND "after"->>'serverId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

UPDATE "AuditEntry" a SET "serverId" = s."serverId"
FROM "Sender" s
WHERE a."entityType" = 'Sender' AND a."serverId" IS NULL AND a."entityId" = s."id"::text;

-- Connection tests written before params kept "mislukt bij resolve" (a step's code) in their
-- summary: give them their values, so the page names the step in the reader's language.
UPDATE "AuditEntry"
SET "params" = jsonb_build_object(
  'name', substring("summary" from '^Verbinding van (.*) getest: '),
  'ok', "summary" LIKE '%: geslaagd',
  'failedStep', substring("summary" from 'mislukt bij (\w+)$'))
WHERE "action" = 'mailserver.test' AND "params" IS NULL AND "summary" ~ '^Verbinding van .* getest: (geslaagd|mislukt bij \w+)$';
