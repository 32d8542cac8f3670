import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  // Layers (issue 13). Infrastructure never imports a feature: the logger, the job client, SMTP,
  // crypto, i18n and the database sit below every feature; lib/ops composes them above.
  {
    files: ["lib/smtp/**", "lib/db/**", "lib/crypto/**", "lib/i18n/**", "lib/jobs/**", "lib/log/**", "lib/config.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "@/lib/*/**",
                "!@/lib/smtp/**",
                "!@/lib/db/**",
                "!@/lib/crypto/**",
                "!@/lib/i18n/**",
                "!@/lib/jobs/**",
                "!@/lib/log/**",
                "!@/lib/generated/**",
                "!@/lib/config.ts",
                "@/app/**",
              ],
              message:
                "Infrastructure (lib/smtp, db, crypto, i18n, jobs, log) never imports a feature or the app: move the code that needs it up into the feature, or into lib/ops.",
            },
          ],
        },
      ],
    },
  },
  // The database client (a value, not its type) only where data is read or written: a feature's
  // data.ts and mutations.ts, the delivery engine's own modules, the processes in lib/ops and
  // lib/jobs, and actions.ts, which only hand it to data/mutations. Pages read through data.ts.
  {
    files: ["app/**", "lib/**", "proxy.ts", "instrumentation.ts"],
    ignores: [
      "lib/**/data.ts",
      "lib/**/mutations.ts",
      "lib/**/actions.ts",
      "lib/db/**",
      "lib/ops/**",
      "lib/jobs/**",
      "lib/delivery/{engine,claim,record,handover,dispatch,liveness,deliver,outbox,observed-limits}.ts",
      "lib/auth/{options,session}.ts",
      "**/*.test.ts",
    ],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@/lib/db/client.ts",
              allowTypeImports: true,
              message:
                "Read and write the database in lib/<feature>/data.ts or mutations.ts (pages read through data.ts); take `Db` as a type parameter elsewhere.",
            },
          ],
        },
      ],
    },
  },
  globalIgnores([
    ".next/**",
    ".next-test/**",
    ".next-test-*/**",
    "test-results-*/**",
    ".data/**",
    "lib/generated/**",
    "node_modules/**",
    "test-results/**",
    "playwright-report/**",
    "next-env.d.ts",
  ]),
]);
