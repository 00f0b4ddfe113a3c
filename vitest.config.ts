import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Proofs take seconds and key builds a minute; timeouts guard against hangs only (files run
    // two at a time, so a test may take twice its time alone).
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
    // Two files at a time: many tests wait on a CLI or server process of their own, which leaves
    // a core idle with one file at a time (vitest's default on 2 cores). Measured on this 2-core
    // machine: the whole suite 1,424 s one at a time, 1,049 s two at a time, the same 705 tests passing.
    // Test databases are per process (test/helpers/postgres.ts ownTestDatabase), so files do not collide.
    maxWorkers: 2,
  },
});
