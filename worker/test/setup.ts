import { applyD1Migrations, env } from "cloudflare:test";

// Storage is shared between test files (pool ≥ 0.13): migrations are idempotent and every test
// creates its own data instead of assuming empty tables.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
