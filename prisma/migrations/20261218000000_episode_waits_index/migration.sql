-- The chart query (issue 16): a deferral episode's waits are the hand-overs in it, found by sentAt
-- instead of the 20 minutes of last changes around it (lib/stats/data.ts deferralEpisodes).
CREATE INDEX "OutboundMessage_serverId_sentAt_idx" ON "OutboundMessage"("serverId", "sentAt");
