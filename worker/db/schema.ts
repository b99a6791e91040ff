/**
 * The D1 schema: the only place tables are declared (one file per area in ./schema/). Migrations in
 * /migrations are generated from it by drizzle-kit (`npm run db:generate`); FTS5 tables and triggers
 * live in custom migrations.
 */

export * from "./schema/billing";
export * from "./schema/broadcasts";
export * from "./schema/charging";
export * from "./schema/customers";
export * from "./schema/identity";
export * from "./schema/inventory";
export * from "./schema/jobs";
export * from "./schema/payments";
export * from "./schema/platform";
export * from "./schema/services";
export * from "./schema/webhooks";
