-- Signed-out sessions (issue 14, lib/auth/session-token.ts): a session token whose id is listed
-- here is refused although its signature is still valid. A row is only needed until the token
-- would have ended anyway (its absolute lifetime), then the maintenance job removes it.

-- CreateTable
CREATE TABLE "RevokedSession" (
    "sid" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "revokedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RevokedSession_pkey" PRIMARY KEY ("sid")
);

-- CreateIndex
CREATE INDEX "RevokedSession_expiresAt_idx" ON "RevokedSession"("expiresAt");
