import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests in a real Chromium against a production build. tests/run.ts starts the
 * app on a throwaway database and passes its URL and the browser it found.
 */
export default defineConfig({
  testDir: "tests/e2e",
  // Not test-results/ itself: the runner keeps its reports and the app log there.
  outputDir: process.env.E2E_OUTPUT_DIR ?? "test-results/playwright",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json"]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://localhost:3000",
    locale: "nl-NL",
    trace: "off",
    launchOptions: {
      executablePath: process.env.E2E_CHROMIUM_PATH || undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
});
