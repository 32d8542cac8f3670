-- CreateEnum
CREATE TYPE "ServerType" AS ENUM ('MICROSOFT_365', 'GOOGLE_WORKSPACE', 'GOOGLE_RELAY', 'AMAZON_SES', 'SENDGRID', 'BREVO', 'GENERIC');

-- CreateEnum
CREATE TYPE "TlsMode" AS ENUM ('STARTTLS', 'IMPLICIT', 'NONE');

-- CreateEnum
CREATE TYPE "AuthMethod" AS ENUM ('PASSWORD', 'NONE');

-- CreateEnum
CREATE TYPE "ManagedBy" AS ENUM ('WERKGEVER', 'MEDISCHE_DIENST', 'DERDE_PARTIJ');

-- CreateEnum
CREATE TYPE "LimitWindow" AS ENUM ('SECOND', 'MINUTE', 'HOUR', 'DAY');

-- CreateEnum
CREATE TYPE "LimitUnit" AS ENUM ('MESSAGES', 'RECIPIENTS');

-- CreateTable
CREATE TABLE "MailServer" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" "ServerType" NOT NULL,
    "region" TEXT,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "tlsMode" "TlsMode" NOT NULL,
    "verifyCertificate" BOOLEAN NOT NULL DEFAULT true,
    "authMethod" "AuthMethod" NOT NULL,
    "username" TEXT,
    "passwordBox" TEXT,
    "heloName" TEXT,
    "managedBy" "ManagedBy" NOT NULL,
    "maxRecipientsPerMessage" INTEGER,
    "connectionVersion" INTEGER NOT NULL DEFAULT 1,
    "lastTestAt" TIMESTAMPTZ(3),
    "lastTestOk" BOOLEAN,
    "lastTestResult" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MailServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SendingLimit" (
    "id" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "count" INTEGER NOT NULL,
    "window" "LimitWindow" NOT NULL,
    "unit" "LimitUnit" NOT NULL,

    CONSTRAINT "SendingLimit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MailServer_name_idx" ON "MailServer"("name");

-- CreateIndex
CREATE UNIQUE INDEX "SendingLimit_serverId_window_unit_key" ON "SendingLimit"("serverId", "window", "unit");

-- AddForeignKey
ALTER TABLE "SendingLimit" ADD CONSTRAINT "SendingLimit_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "MailServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
