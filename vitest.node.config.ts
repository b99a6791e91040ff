import { defineConfig } from "vitest/config";

/** Node-side tests: simulators, the runner, and the browser tests against a running local system. */
export default defineConfig({
  test: {
    include: ["simulators/**/*.test.ts", "runner/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
