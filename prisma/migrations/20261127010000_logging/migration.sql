-- The Logging's filters and the retention job (lib/logging). Plain CREATE INDEX: lib/db/migrate.ts
-- runs each migration in a transaction, which CONCURRENTLY refuses.

-- CreateIndex
CREATE INDEX "OutboundMessage_serverId_status_seq_idx" ON "OutboundMessage"("serverId", "status", "seq");

-- CreateIndex
CREATE INDEX "OutboundMessage_serverId_createdAt_idx" ON "OutboundMessage"("serverId", "createdAt");

-- CreateIndex
CREATE INDEX "OutboundMessage_to_idx" ON "OutboundMessage" USING GIN ("to");

-- CreateIndex
CREATE INDEX "OutboundMessage_cc_idx" ON "OutboundMessage" USING GIN ("cc");

-- CreateIndex
CREATE INDEX "OutboundMessage_bcc_idx" ON "OutboundMessage" USING GIN ("bcc");
