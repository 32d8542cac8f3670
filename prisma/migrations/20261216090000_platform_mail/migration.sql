-- The platform's own route as a real MTA (issue 17): DKIM keys per platform From domain and the
-- MTA-STS policy cache. Named after 20261215150000_audit_trail_filters so it sorts after it.
CREATE TYPE "DkimKeyState" AS ENUM ('PENDING', 'ACTIVE', 'RETIRED');

CREATE TABLE "PlatformDkimKey" (
    "id" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "selector" TEXT NOT NULL,
    "state" "DkimKeyState" NOT NULL,
    "privateKeyBox" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMPTZ(3),
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "PlatformDkimKey_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "PlatformDkimKey_domain_selector_key" ON "PlatformDkimKey"("domain", "selector");

CREATE INDEX "PlatformDkimKey_domain_state_idx" ON "PlatformDkimKey"("domain", "state");

CREATE TABLE "MtaStsPolicy" (
    "domain" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "mx" TEXT[],
    "maxAge" INTEGER NOT NULL,
    "fetchedAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MtaStsPolicy_pkey" PRIMARY KEY ("domain")
);
