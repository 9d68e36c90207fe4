import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    setupFiles: ["__tests__/support/matchers.ts"],
    // Synthesizing a stack takes a second or two on the 2-core CI machine.
    testTimeout: 60_000,
    pool: "forks",
  },
});
