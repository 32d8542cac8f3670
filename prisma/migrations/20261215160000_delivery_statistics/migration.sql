-- Statistics and charts (issue 16): an hourly rollup of each server's delivery, and indexes to find
-- an hour's hand-overs and failures (by their last change) and deferral episodes (by deferredSince).
CREATE TABLE "DeliveryHour" (
    "serverId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "accepted" INTEGER NOT NULL,
    "handedOver" INTEGER NOT NULL,
    "recipients" INTEGER NOT NULL,
    "ended" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "waitSumMs" BIGINT NOT NULL,
    "waitMaxMs" INTEGER NOT NULL,

    CONSTRAINT "DeliveryHour_pkey" PRIMARY KEY ("serverId","hour")
);

CREATE INDEX "OutboundMessage_serverId_updatedAt_idx" ON "OutboundMessage"("serverId", "updatedAt");

CREATE INDEX "OutboundMessage_serverId_deferredSince_idx" ON "OutboundMessage"("serverId", "deferredSince");

ALTER TABLE "DeliveryHour" ADD CONSTRAINT "DeliveryHour_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
