-- A password reset (npm run cli -- reset-password) ends the sessions signed in before it.
ALTER TABLE "User" ADD COLUMN "passwordChangedAt" TIMESTAMPTZ(3);
