import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Integration tests share one throwaway database per run (tests/run.ts creates it and passes
// DATABASE_URL); files run one after another so their TRUNCATEs never race.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "bench/**/*.test.ts", "tests/integration/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ["tests/support/vitest-setup.ts"],
  },
});
