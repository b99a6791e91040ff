/** Balances, the balance ledger, reconciliation, tax rates, transactions and usage. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { type attributeDefinitions, type contacts, customers, type sites } from "./customers";
import type { apiKeys, customerAccounts, roles, sessions, users } from "./identity";
import type { jobs } from "./jobs";
import type { activityLog, emailOutbox, searchDocs } from "./platform";
import { type products, type productVersions, services } from "./services";

/** Balance buckets per service and unit (mirror of the ServiceState DO, written through by it). */
export const serviceBuckets = sqliteTable(
  "service_buckets",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    unit: text("unit", { enum: ["monetary", "data", "voice", "sms"] }).notNull(),
    amount: integer("amount").notNull(),
    pendingAmount: integer("pending_amount").notNull(),
    expiresAt: text("expires_at"),
    source: text("source").notNull(),
    /** The DO's sequence number of the last change: a late, older write never overwrites a newer one. */
    seq: integer("seq").notNull(),
    ...timestamps,
  },
  (t) => [index("service_buckets_service_idx").on(t.serviceId)],
);

/** Every balance change, immutable except for a pending entry being confirmed or reversed. */
export const balanceLedger = sqliteTable(
  "balance_ledger",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    bucketId: text("bucket_id").notNull(),
    seq: integer("seq").notNull(),
    unit: text("unit", { enum: ["monetary", "data", "voice", "sms"] }).notNull(),
    amount: integer("amount").notNull(),
    kind: text("kind", { enum: ["grant", "topup", "debit", "expiry", "adjustment"] }).notNull(),
    state: text("state", { enum: ["pending", "confirmed", "reversed"] }).notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    reference: text("reference"),
    at: text("at").notNull(),
    /** The CGRateS balance this entry credited or debited (grants, top-ups, add-ons), when there is one. */
    balanceId: text("balance_id"),
  },
  (t) => [uniqueIndex("balance_ledger_key_unique").on(t.serviceId, t.idempotencyKey), index("balance_ledger_service_idx").on(t.serviceId, t.seq)],
);

/**
 * Differences between the BSS and CGRateS that rating does not explain, one row per service and unit:
 * open while `resolved_at` is null; `since` is when the open difference was first seen.
 */
export const reconciliationFlags = sqliteTable(
  "reconciliation_flags",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    unit: text("unit", { enum: ["monetary", "data", "voice", "sms"] }).notNull(),
    /** What the BSS expected CGRateS to hold, and what it held, at the last reading with a difference. */
    bss: integer("bss").notNull(),
    cgrates: integer("cgrates").notNull(),
    difference: integer("difference").notNull(),
    since: text("since").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    resolvedAt: text("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolution: text("resolution"),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.unit] }), index("reconciliation_open_idx").on(t.resolvedAt, t.since)],
);

/**
 * Write-throughs D1 refused (a constraint, a type): the ServiceState object set the operation aside,
 * rolled back what it could (a status change, a new service) and went on with the next ones, so one
 * bad write never strands a service. Listed on the admin's "Stuck writes" page until handled.
 * No foreign key: the service itself may be what D1 refused.
 */
export const stuckWrites = sqliteTable(
  "stuck_writes",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id").notNull(),
    opSeq: integer("op_seq").notNull(),
    opKey: text("op_key").notNull(),
    error: text("error").notNull(),
    /** What the operation would have written (tables and row counts, the status it carried). */
    summary: text("summary").notNull(),
    /** What the object undid ("status active → provisioning", "service creation"), or null. */
    rolledBack: text("rolled_back"),
    createdAt: text("created_at").notNull(),
    resolvedAt: text("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolution: text("resolution"),
  },
  (t) => [uniqueIndex("stuck_writes_op_idx").on(t.serviceId, t.opSeq), index("stuck_writes_open_idx").on(t.resolvedAt, t.createdAt)],
);

/** Tax rates per class, in basis points (2000 = 20 %). */
export const taxRates = sqliteTable("tax_rates", {
  id: text("id").primaryKey(),
  taxClass: text("tax_class").notNull().unique(),
  name: text("name").notNull(),
  rateBp: integer("rate_bp").notNull(),
  /** Where the rate applies (e.g. "FR", "FR-Corse"), printed beside it; informative. */
  jurisdiction: text("jurisdiction"),
  /** Prices of this class include the tax: a charge's net is price − tax (tax = price × r / (1 + r)). */
  inclusive: integer("inclusive", { mode: "boolean" }).notNull().default(false),
  ...timestamps,
});

/** Money owed by (charge) or to (credit) a customer; immutable, corrected by a reversing transaction. */
export const transactions = sqliteTable(
  "transactions",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    serviceId: text("service_id"),
    kind: text("kind", { enum: ["charge", "credit"] }).notNull(),
    description: text("description").notNull(),
    date: text("date").notNull(),
    amount: integer("amount").notNull(),
    taxAmount: integer("tax_amount").notNull(),
    taxRateBp: integer("tax_rate_bp").notNull(),
    wholesaleAmount: integer("wholesale_amount").notNull(),
    currency: text("currency").notNull(),
    invoiceId: text("invoice_id"),
    reversesId: text("reverses_id"),
    /** What caused it (setup fee of a service, a top-up, a proration…): one transaction per source. */
    sourceKey: text("source_key").notNull().unique(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("transactions_customer_idx").on(t.customerId, t.id), index("transactions_service_idx").on(t.serviceId, t.id)],
);

/** Daily usage per service and unit, synced from CGRateS by the runner. */
export const usageRecords = sqliteTable(
  "usage_records",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    day: text("day").notNull(),
    unit: text("unit", { enum: ["monetary", "data", "voice", "sms"] }).notNull(),
    amount: integer("amount").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.day, t.unit] })],
);

export type Customer = typeof customers.$inferSelect;
export type NewCustomer = typeof customers.$inferInsert;
export type Contact = typeof contacts.$inferSelect;
export type Site = typeof sites.$inferSelect;
export type AttributeDefinition = typeof attributeDefinitions.$inferSelect;
export type ActivityEntry = typeof activityLog.$inferSelect;
export type User = typeof users.$inferSelect;
export type Role = typeof roles.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type CustomerAccount = typeof customerAccounts.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type OutboxEmail = typeof emailOutbox.$inferSelect;
export type SearchDoc = typeof searchDocs.$inferInsert;
export type Product = typeof products.$inferSelect;
export type ProductVersion = typeof productVersions.$inferSelect;
export type Service = typeof services.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type Transaction = typeof transactions.$inferSelect;
