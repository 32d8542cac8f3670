import type { SenderState } from "@/lib/generated/prisma/enums.ts";

/** What the screens show; "expired" is not stored but follows from the round's expiry. */
export type SenderDisplayState = "pending" | "verified" | "expired" | "blocked" | "reverify";

export function senderDisplayState(
  state: SenderState,
  round: { expiresAt: Date; completedAt: Date | null } | null | undefined,
  now = new Date(),
): SenderDisplayState {
  switch (state) {
    case "VERIFIED":
      return "verified";
    case "BLOCKED":
      return "blocked";
    case "REVERIFY":
      return "reverify";
    case "PENDING":
      return round && !round.completedAt && round.expiresAt < now ? "expired" : "pending";
  }
}

/** Why codes cannot be entered for a sender now; each is a `senders.errors.*` message. */
export type CodeEntryRefusal = "alreadyVerified" | "noRound" | "locked" | "expired";

/**
 * Whether codes can be entered for a sender with this latest round: null when they can, else why
 * not. verifySender refuses by it and the sender page shows the code form by it, so the two agree.
 */
export function codeEntryRefusal(
  state: SenderState,
  round: { completedAt: Date | null; supersededAt: Date | null; lockedAt: Date | null; expiresAt: Date } | null | undefined,
  now = new Date(),
): CodeEntryRefusal | null {
  if (state === "VERIFIED") return "alreadyVerified";
  if (!round || round.completedAt || round.supersededAt) return "noRound";
  if (round.lockedAt) return "locked";
  if (round.expiresAt < now) return "expired";
  return null;
}
