import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Node-side tests: simulators, the runner, and the browser tests against a running local system. */
export default defineConfig({
  resolve: {
    // Worker modules imported by node tests (the OpenAPI document) only need DurableObject as a base class.
    alias: { "cloudflare:workers": fileURLToPath(new URL("./test/stubs/cloudflare-workers.ts", import.meta.url)) },
  },
  test: {
    include: ["simulators/**/*.test.ts", "runner/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
