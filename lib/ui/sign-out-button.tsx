"use client";

import { signOut } from "next-auth/react";

export function SignOutButton({ label }: { label: string }) {
  return (
    <button type="button" className="btn-secondary" onClick={() => void signOut({ callbackUrl: "/login?signedOut=1" })}>
      {label}
    </button>
  );
}
