-- Per-recipient outcomes and resumable split messages, fixed-window margins, learned recipient
-- caps (issue 11); worker liveness for fast takeover of a dead worker's drains (issue 12).

-- AlterEnum
ALTER TYPE "MessageStatus" ADD VALUE 'PARTIALLY_SENT';

-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN "recipientOutcomes" JSONB;

-- AlterTable
ALTER TABLE "MailServer" ADD COLUMN "windowMarginMs" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LimitObservation" ADD COLUMN "perMessage" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "WorkerProcess" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkerProcess_pkey" PRIMARY KEY ("id")
);
