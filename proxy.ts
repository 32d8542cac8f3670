import { NextResponse, type NextRequest } from "next/server";
import { PATHNAME_HEADER } from "@/lib/auth/page-permissions.ts";
import { contentSecurityPolicy, newNonce, strictTransportSecurity } from "@/lib/ui/security-headers.ts";

/**
 * A nonce-based Content-Security-Policy on every page (lib/ui/security-headers.ts), and HSTS
 * when the public URL is https. Next.js takes the nonce from the request's CSP header, so the
 * header goes on the request as well as on the response. The requested path goes on the request
 * too, always overwritten (never the client's own header), for the 403 page to name the missing
 * right (lib/auth/page-permissions.ts).
 */
export function proxy(request: NextRequest) {
  const hsts = strictTransportSecurity(process.env.NEXTAUTH_URL);
  const policy = contentSecurityPolicy({ nonce: newNonce(), development: process.env.NODE_ENV === "development", https: hsts !== null });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", policy);
  requestHeaders.set(PATHNAME_HEADER, request.nextUrl.pathname);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  if (hsts) response.headers.set("strict-transport-security", hsts);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages and server actions; not the API (JSON, no scripts) or Next.js's static files or the icons in public/.
      source: "/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
