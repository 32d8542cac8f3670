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
