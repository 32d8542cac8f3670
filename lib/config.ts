import { createPrivateKey } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";

/**
 * The process environment, parsed once. Every setting the README documents is read here and
 * nowhere else, so a typo in a variable fails at start-up with a message naming it.
 */
const booleanFlag = z.enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""]).transform((value) => ["1", "true", "yes", "on"].includes(value));

const hostPort = z.string().regex(/^[0-9a-fA-F.:[\]]+(?::\d{1,5})?$/, "expected ip[:port]");

/** An IP address or CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrRange(entry: string): boolean {
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function isPrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === "ed25519" || (key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 1024);
  } catch {
    return false;
  }
}

const envSchema = z
  .object({
    DATABASE_URL: z.string().url().optional(),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Interface the web app listens on (`next start -H`); unset: all interfaces, as before (containers). */
    HOST: z
      .string()
      .trim()
      .optional()
      .refine((value) => !value || isIP(value) > 0 || /^[a-z0-9.-]{1,253}$/i.test(value), "expected an IP address or host name"),
    /**
     * Reverse proxies whose X-Forwarded-For is believed (lib/auth/client-address.ts): addresses and
     * CIDR ranges, comma-separated. Unset: the socket's peer is the client.
     */
    TRUSTED_PROXIES: z
      .string()
      .optional()
      .refine(
        (value) =>
          (value ?? "")
            .split(",")
            .map((entry) => entry.trim())
            .filter(Boolean)
            .every(isAddressOrRange),
        "expected IP addresses or CIDR ranges, comma-separated",
      ),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    ENCRYPTION_KEY: z.string().optional().describe("one or more keys: `id:base64key` comma-separated, the first encrypts"),
    PLATFORM_SMTP_URL: z.string().url().optional(),
    DNS_SERVERS: z
      .string()
      .optional()
      .transform((value) =>
        value
          ? value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      )
      .pipe(z.array(hostPort)),
    /** From address of the platform's own mail (ownership codes); its domain should publish SPF for the platform. */
    PLATFORM_FROM_ADDRESS: z.string().email().default("postkamer@localhost"),
    MX_PORT: z.coerce.number().int().min(1).max(65535).default(25),
    /**
     * The addresses the platform's own mail leaves from (behind NAT the app cannot know them),
     * comma-separated: the Platform page checks that the From domain's SPF record allows them.
     */
    PLATFORM_SMTP_IPS: z
      .string()
      .optional()
      .transform((value) =>
        (value ?? "")
          .split(",")
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .refine((entries) => entries.every((entry) => isIP(entry) > 0), "expected IP addresses (no ranges or host names), comma-separated"),
    /** An operator-supplied DKIM key for the platform's mail (PEM, "\\n" for line breaks), with its selector; unset: generated and kept encrypted. */
    PLATFORM_DKIM_SELECTOR: z
      .string()
      .trim()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, "expected a DNS label such as postkamer2026")
      .optional(),
    PLATFORM_DKIM_PRIVATE_KEY: z
      .string()
      .optional()
      .transform((value) => (value ? value.replace(/\\n/g, "\n").trim() : undefined))
      .refine((value) => value === undefined || isPrivateKey(value), "expected a PEM private key (RSA of at least 1024 bits, or Ed25519)"),
    /** Tests only (refused when NODE_ENV=production): the port of the MTA-STS policy host, instead of 443. */
    MTA_STS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** Tests only (refused when NODE_ENV=production): a PEM file with a CA trusted besides the system's, for MTA-STS policy hosts and MX certificates. */
    TEST_TRUSTED_CA_FILE: z.string().optional(),
    ALLOW_PRIVATE_SMTP_HOSTS: booleanFlag.optional(),
    /**
     * Webhook URLs on private/loopback addresses, over http and on any port: for the test suite (whose
     * app runs with NODE_ENV=production) and trial mode, like ALLOW_PRIVATE_SMTP_HOSTS; off by default.
     */
    ALLOW_PRIVATE_WEBHOOK_URLS: booleanFlag.optional(),
    /** Bearer token for GET /api/metrics (Prometheus); without it the route answers 404. */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** The worker's own metrics listener (SMTP hand-over latency), same token; off when unset. */
    WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(28),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
    /** First retry delay for transient delivery failures; doubles per attempt (with jitter). */
    RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How long one SMTP reply may take before the hand-over counts as failed (nodemailer socket timeout). */
    SMTP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    /** A drainer that stops renewing its lease (a crashed worker) is replaced after this long. */
    DRAIN_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * OAuth2 token endpoints (Microsoft Entra ID, Google). Set here and nowhere else: taking them
     * from a form or a key file would let anyone who edits a server make the platform post
     * credentials to an address of their choice. Tests point them at a local token server.
     */
    MICROSOFT_LOGIN_URL: z
      .string()
      .url()
      .default("https://login.microsoftonline.com")
      .transform((value) => value.replace(/\/+$/, "")),
    GOOGLE_TOKEN_URL: z.string().url().default("https://oauth2.googleapis.com/token"),
    POSTKAMER_EMBEDDED: booleanFlag.default(false),
    NODE_ENV: z.string().optional(),
  })
  .superRefine((cfg, ctx) => {
    // Settings that weaken certificate checks or move the policy host exist for the test suite alone.
    if (cfg.NODE_ENV !== "production") return;
    for (const key of ["MTA_STS_PORT", "TEST_TRUSTED_CA_FILE"] as const) {
      if (cfg[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "is for tests only and may not be set in production" });
    }
  })
  .superRefine((cfg, ctx) => {
    if (Boolean(cfg.PLATFORM_DKIM_SELECTOR) !== Boolean(cfg.PLATFORM_DKIM_PRIVATE_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["PLATFORM_DKIM_PRIVATE_KEY"],
        message: "set PLATFORM_DKIM_SELECTOR and PLATFORM_DKIM_PRIVATE_KEY together, or neither",
      });
    }
  });

export type AppConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: AppConfig | undefined;

export function config(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Private SMTP hosts are allowed in embedded (local trial) mode unless switched off. */
export function allowPrivateSmtpHosts(cfg: AppConfig = config()): boolean {
  return cfg.ALLOW_PRIVATE_SMTP_HOSTS ?? cfg.POSTKAMER_EMBEDDED;
}

/** Webhook URLs on private addresses (and over http): allowed in embedded (trial) mode unless switched off, like SMTP hosts. */
export function allowPrivateWebhookUrls(cfg: AppConfig = config()): boolean {
  return cfg.ALLOW_PRIVATE_WEBHOOK_URLS ?? cfg.POSTKAMER_EMBEDDED;
}
