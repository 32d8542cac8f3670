-- AlterTable
ALTER TABLE "MailServer" ADD COLUMN     "deferredReason" TEXT,
ADD COLUMN     "deferredUntil" TIMESTAMPTZ(3),
ADD COLUMN     "drainHolder" TEXT,
ADD COLUMN     "drainLeaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "maxConnections" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "pausedAt" TIMESTAMPTZ(3),
ADD COLUMN     "pausedReason" TEXT;

-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN     "deferredReason" TEXT,
ADD COLUMN     "deferredSince" TIMESTAMPTZ(3),
ADD COLUMN     "possibleDuplicate" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "SendingLimit" ADD COLUMN     "windowSize" INTEGER NOT NULL DEFAULT 1;

-- DropIndex
DROP INDEX "SendingLimit_serverId_window_unit_key";

-- CreateIndex
CREATE UNIQUE INDEX "SendingLimit_serverId_window_windowSize_unit_key" ON "SendingLimit"("serverId", "window", "windowSize", "unit");

-- CreateTable
CREATE TABLE "ServerHandoff" (
    "id" BIGSERIAL NOT NULL,
    "serverId" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "recipients" INTEGER NOT NULL,
    "claimedAt" TIMESTAMPTZ(3) NOT NULL,
    "countsUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ServerHandoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LimitHit" (
    "id" BIGSERIAL NOT NULL,
    "serverId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" TEXT NOT NULL,
    "waitedMs" INTEGER,

    CONSTRAINT "LimitHit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ServerHandoff_serverId_countsUntil_idx" ON "ServerHandoff"("serverId", "countsUntil");

-- CreateIndex
CREATE INDEX "LimitHit_serverId_at_idx" ON "LimitHit"("serverId", "at");

-- AddForeignKey
ALTER TABLE "ServerHandoff" ADD CONSTRAINT "ServerHandoff_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LimitHit" ADD CONSTRAINT "LimitHit_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
