import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Proofs take seconds and key builds a minute; timeouts guard against hangs only.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
  },
});
