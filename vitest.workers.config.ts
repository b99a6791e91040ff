import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Tests that run inside workerd: domain and queries against local D1, routes through SELF.fetch. */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        main: "./worker/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            APP_ENV: "test",
            AUTH_SECRET: "test-auth-secret-0123456789abcdef0123456789",
            ENCRYPTION_KEY: "test-encryption-key-0123456789abcdef",
            PASSWORD_PEPPER: "test-pepper",
            // The geocoding simulator is started by the global setup on this port.
            GEOCODING_API_BASE: "http://127.0.0.1:12913",
            GEOCODING_API_KEY: "test-key",
            // The Mailjet simulator (global setup) checks these credentials.
            MAILJET_API_BASE: "http://127.0.0.1:12912",
            MAILJET_API_KEY: "test-mj-key",
            MAILJET_API_SECRET: "test-mj-secret",
            STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
            // The Stripe simulator (global setup), reached through the official SDK.
            STRIPE_API_BASE: "http://127.0.0.1:12916",
            STRIPE_SECRET_KEY: "sk_test_workers",
            MAIL_FROM: "no-reply@test.example",
          },
        },
      }),
    ],
    test: {
      include: ["worker/test/**/*.test.ts", "worker/test/**/*.test.tsx"],
      setupFiles: ["./worker/test/setup.ts"],
      globalSetup: ["./worker/test/global-setup.ts"],
      // Storage is shared by all test files; running them one at a time keeps "nothing was written"
      // assertions (row counts) exact.
      fileParallelism: false,
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
