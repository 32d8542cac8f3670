-- OAuth2 (XOAUTH2) for Microsoft 365 and Google, the DMARC preflight per sender, and limits
-- that learn from a server's throttle replies (issue 8).

-- AlterEnum
ALTER TYPE "AuthMethod" ADD VALUE 'OAUTH2';

-- CreateEnum
CREATE TYPE "PreflightVerdict" AS ENUM ('PASS', 'RISK', 'FAIL');

-- AlterTable
ALTER TABLE "MailServer" ADD COLUMN "oauthTenantId" TEXT,
ADD COLUMN "oauthClientId" TEXT,
ADD COLUMN "oauthSecretBox" TEXT,
ADD COLUMN "oauthSecretExpiresAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Sender" ADD COLUMN "preflightVerdict" "PreflightVerdict",
ADD COLUMN "preflightCheckedAt" TIMESTAMPTZ(3),
ADD COLUMN "preflightReport" JSONB;

-- CreateTable
CREATE TABLE "LimitObservation" (
    "id" BIGSERIAL NOT NULL,
    "serverId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "window" "LimitWindow" NOT NULL,
    "windowSize" INTEGER NOT NULL DEFAULT 1,
    "unit" "LimitUnit" NOT NULL,
    "observed" INTEGER NOT NULL,
    "configured" INTEGER,
    "reply" TEXT NOT NULL,
    "resolvedAt" TIMESTAMPTZ(3),

    CONSTRAINT "LimitObservation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LimitObservation_serverId_at_idx" ON "LimitObservation"("serverId", "at");

-- AddForeignKey
ALTER TABLE "LimitObservation" ADD CONSTRAINT "LimitObservation_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
