-- CreateEnum
CREATE TYPE "DataController" AS ENUM ('WERKGEVER', 'MEDISCH');

-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN     "apiKeyId" UUID,
ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "templateId" UUID;

-- CreateTable
CREATE TABLE "MasterTemplate" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "carries" "DataController" NOT NULL,
    "htmlFrame" TEXT NOT NULL,
    "textFrame" TEXT NOT NULL,
    "serverId" UUID,
    "senderId" UUID,
    "privacyConsentServerId" UUID,
    "privacyConsentById" UUID,
    "privacyConsentByLabel" TEXT,
    "privacyConsentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MasterTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "MasterTemplate_key_key" ON "MasterTemplate"("key");

-- CreateIndex
CREATE INDEX "MasterTemplate_serverId_idx" ON "MasterTemplate"("serverId");

-- CreateIndex
CREATE INDEX "MasterTemplate_senderId_idx" ON "MasterTemplate"("senderId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_apiKeyId_idempotencyKey_key" ON "OutboundMessage"("apiKeyId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "MasterTemplate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MasterTemplate" ADD CONSTRAINT "MasterTemplate_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MasterTemplate" ADD CONSTRAINT "MasterTemplate_senderId_fkey" FOREIGN KEY ("senderId") REFERENCES "Sender"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
