/**
 * The fixed response headers of every answer: next.config.ts sets them on what Next.js answers,
 * and the production web server's direct API path (lib/ops/web-server.ts) on its own answers.
 * This file imports nothing, so next.config.ts can load it.
 */
export const FIXED_RESPONSE_HEADERS: readonly { key: string; value: string }[] = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  // No page of Postkamer needs any of these; a script that got in could not ask for them either.
  {
    key: "Permissions-Policy",
    value:
      "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()",
  },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/**
 * Response headers that need the request or the runtime configuration (proxy.ts).
 *
 * The Content-Security-Policy carries a fresh nonce per response: Next.js reads it from the
 * request's own CSP header and puts it on every script it renders, and 'strict-dynamic' lets
 * those scripts load the app's chunks. Nothing else runs: no inline script without the nonce,
 * no eval (React needs it only in development), no plugins, no <base>, no framing, forms only
 * to this site. Styles allow 'unsafe-inline': the template preview is a sandboxed srcdoc frame,
 * which inherits this policy, and e-mail HTML is styled inline; CSS cannot run script.
 */
export function contentSecurityPolicy(options: { nonce: string; development?: boolean; https?: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    // E-mail frames may show images from anywhere, in the preview only (the frame runs nothing).
    "img-src 'self' data: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

export function newNonce(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * HSTS only when the public URL is https: sent over plain http it would mean nothing, and a
 * browser that once saw it on a test host would refuse that host's http afterwards. A year, but
 * not includeSubDomains or preload: the customer's other subdomains are not ours to decide.
 */
export function strictTransportSecurity(publicUrl: string | undefined): string | null {
  return publicUrl?.toLowerCase().startsWith("https://") ? "max-age=31536000" : null;
}
