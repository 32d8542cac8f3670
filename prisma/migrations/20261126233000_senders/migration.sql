-- CreateEnum
CREATE TYPE "SenderState" AS ENUM ('PENDING', 'VERIFIED', 'BLOCKED', 'REVERIFY');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('APPLICATION', 'OWNERSHIP_CODE', 'CONFIGURATION_CODE', 'TEST');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('QUEUED', 'DEFERRED', 'SENDING', 'SENT', 'RETRYING', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "AttemptOutcome" AS ENUM ('SENT', 'RETRY', 'DEFERRED', 'FAILED');

-- CreateTable
CREATE TABLE "Sender" (
    "id" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "state" "SenderState" NOT NULL DEFAULT 'PENDING',
    "ownershipVerifiedAt" TIMESTAMPTZ(3),
    "configurationVerifiedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Sender_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SenderVerification" (
    "id" UUID NOT NULL,
    "senderId" UUID NOT NULL,
    "ownershipCodeHash" TEXT,
    "configurationCodeHash" TEXT,
    "ownershipMessageId" UUID,
    "configurationMessageId" UUID,
    "requestedById" UUID,
    "requestedByLabel" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "failedTries" INTEGER NOT NULL DEFAULT 0,
    "lockedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "supersededAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SenderVerification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundMessage" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "kind" "MessageKind" NOT NULL,
    "serverId" UUID,
    "senderId" UUID,
    "fromName" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "replyTo" TEXT,
    "to" TEXT[],
    "cc" TEXT[],
    "bcc" TEXT[],
    "recipientCount" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT,
    "html" TEXT,
    "messageIdHeader" TEXT NOT NULL,
    "status" "MessageStatus" NOT NULL DEFAULT 'QUEUED',
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "lastResponseCode" INTEGER,
    "lastResponse" TEXT,
    "lastError" TEXT,
    "giveUpAt" TIMESTAMPTZ(3) NOT NULL,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" BIGSERIAL NOT NULL,
    "messageId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "outcome" "AttemptOutcome",
    "route" TEXT NOT NULL,
    "dns" TEXT,
    "tried" JSONB,
    "responseCode" INTEGER,
    "response" TEXT,
    "error" TEXT,
    "explanationId" TEXT,

    CONSTRAINT "DeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Sender_serverId_address_key" ON "Sender"("serverId", "address");

-- CreateIndex
CREATE INDEX "SenderVerification_senderId_createdAt_idx" ON "SenderVerification"("senderId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_seq_key" ON "OutboundMessage"("seq");

-- CreateIndex
CREATE INDEX "OutboundMessage_serverId_seq_idx" ON "OutboundMessage"("serverId", "seq");

-- CreateIndex
CREATE INDEX "OutboundMessage_status_serverId_idx" ON "OutboundMessage"("status", "serverId");

-- CreateIndex
CREATE INDEX "DeliveryAttempt_messageId_id_idx" ON "DeliveryAttempt"("messageId", "id");

-- AddForeignKey
ALTER TABLE "Sender" ADD CONSTRAINT "Sender_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SenderVerification" ADD CONSTRAINT "SenderVerification_senderId_fkey" FOREIGN KEY ("senderId") REFERENCES "Sender"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeliveryAttempt" ADD CONSTRAINT "DeliveryAttempt_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "OutboundMessage"("id") ON DELETE CASCADE ON UPDATE CASCADE;
