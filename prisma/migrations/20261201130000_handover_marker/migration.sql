-- When a hand-over's final "." was released to the server (lib/delivery/engine.ts): after a
-- crash, an open attempt without it never reached the server and is given back unmarked.

-- AlterTable
ALTER TABLE "DeliveryAttempt" ADD COLUMN "handedOverAt" TIMESTAMPTZ(3);
