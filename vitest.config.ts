import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    setupFiles: ["__tests__/support/matchers.ts"],
    // Creates or updates spark-jobs/.venv (moto for the pipeline CLI's tests) once per run.
    globalSetup: ["__tests__/support/venv.ts"],
    // Synthesizing a stack takes a second or two on the 2-core CI machine.
    testTimeout: 60_000,
    pool: "forks",
  },
});
