import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce, strictTransportSecurity } from "@/lib/ui/security-headers.ts";

/**
 * A nonce-based Content-Security-Policy on every page (lib/ui/security-headers.ts), and HSTS
 * when the public URL is https. Next.js takes the nonce from the request's CSP header, so the
 * header goes on the request as well as on the response.
 */
export function proxy(request: NextRequest) {
  const hsts = strictTransportSecurity(process.env.NEXTAUTH_URL);
  const policy = contentSecurityPolicy({ nonce: newNonce(), development: process.env.NODE_ENV === "development", https: hsts !== null });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  if (hsts) response.headers.set("strict-transport-security", hsts);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages and server actions; not the API (JSON, no scripts) or Next.js's static files.
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
