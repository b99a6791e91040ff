/**
 * The D1 schema: the only place tables are declared. Migrations in /migrations are generated from it
 * by drizzle-kit (`npm run db:generate`); FTS5 tables and triggers live in custom migrations.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { JOB_STATUSES, JOB_TYPES } from "../domain/jobs/contract";

const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};

export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    type: text("type", { enum: ["individual", "business"] }).notNull(),
    status: text("status", { enum: ["open", "suspended", "closed", "archived"] }).notNull(),
    paymentType: text("payment_type", { enum: ["prepaid", "postpaid"] }).notNull(),
    currency: text("currency").notNull(),
    locale: text("locale").notNull(),
    timezone: text("timezone").notNull(),
    externalId: text("external_id"),
    notes: text("notes"),
    ...timestamps,
    archivedAt: text("archived_at"),
  },
  (t) => [
    uniqueIndex("customers_external_id_unique").on(t.externalId),
    index("customers_name_idx").on(t.name, t.id),
    index("customers_created_idx").on(t.createdAt, t.id),
    index("customers_updated_idx").on(t.updatedAt, t.id),
    index("customers_status_idx").on(t.status, t.id),
  ],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    firstName: text("first_name").notNull(),
    lastName: text("last_name"),
    email: text("email"),
    phone: text("phone"),
    roles: text("roles", { mode: "json" }).$type<string[]>().notNull(),
    notes: text("notes"),
    ...timestamps,
  },
  (t) => [index("contacts_customer_idx").on(t.customerId, t.id)],
);

export const sites = sqliteTable(
  "sites",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    addressLine1: text("address_line1").notNull(),
    addressLine2: text("address_line2"),
    city: text("city").notNull(),
    region: text("region"),
    postalCode: text("postal_code"),
    country: text("country").notNull(),
    latitude: real("latitude"),
    longitude: real("longitude"),
    geocoded: integer("geocoded", { mode: "boolean" }).notNull(),
    geocodeStatus: text("geocode_status").notNull(),
    formattedAddress: text("formatted_address"),
    placeId: text("place_id"),
    notes: text("notes"),
    ...timestamps,
  },
  (t) => [index("sites_customer_idx").on(t.customerId, t.id)],
);

export const tags = sqliteTable("tags", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: text("created_at").notNull(),
});

export const customerTags = sqliteTable(
  "customer_tags",
  {
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    tagId: text("tag_id")
      .notNull()
      .references(() => tags.id),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.tagId] }), index("customer_tags_tag_idx").on(t.tagId, t.customerId)],
);

export const attributeDefinitions = sqliteTable("attribute_definitions", {
  key: text("key").primaryKey(),
  label: text("label").notNull(),
  type: text("type", { enum: ["text", "number", "date", "boolean", "enum"] }).notNull(),
  options: text("options", { mode: "json" }).$type<string[]>().notNull(),
  required: integer("required", { mode: "boolean" }).notNull(),
  description: text("description"),
  ...timestamps,
});

export const customerAttributes = sqliteTable(
  "customer_attributes",
  {
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    key: text("key")
      .notNull()
      .references(() => attributeDefinitions.key),
    value: text("value", { mode: "json" }).$type<string | number | boolean>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.key] })],
);

/** Append-only audit trail; triggers in a custom migration refuse UPDATE and DELETE. */
export const activityLog = sqliteTable(
  "activity_log",
  {
    id: text("id").primaryKey(),
    at: text("at").notNull(),
    actorType: text("actor_type", { enum: ["user", "api_key", "system", "customer"] }).notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id").notNull(),
    customerId: text("customer_id"),
    action: text("action").notNull(),
    changes: text("changes", { mode: "json" }).$type<Record<string, { before: unknown; after: unknown }>>().notNull(),
    requestId: text("request_id"),
  },
  (t) => [
    index("activity_customer_idx").on(t.customerId, t.id),
    index("activity_entity_idx").on(t.entity, t.entityId, t.id),
    index("activity_actor_idx").on(t.actorId, t.id),
  ],
);

/** Rows behind the FTS5 index `search_fts` (external content); kept in sync by triggers. */
export const searchDocs = sqliteTable(
  "search_docs",
  {
    rowid: integer("rowid").primaryKey({ autoIncrement: true }),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull().unique(),
    customerId: text("customer_id"),
    title: text("title").notNull(),
    subtitle: text("subtitle").notNull(),
    keywords: text("keywords").notNull(),
  },
  (t) => [index("search_docs_customer_idx").on(t.customerId)],
);

export const settings = sqliteTable("settings", {
  id: text("id").primaryKey(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    principal: text("principal").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  status: text("status", { enum: ["active", "invited", "disabled"] }).notNull(),
  /** AES-GCM ciphertext of the TOTP secret (see lib/secret-box.ts); set during setup, active once enabled. */
  totpSecret: text("totp_secret"),
  totpEnabledAt: text("totp_enabled_at"),
  /** The last TOTP time step accepted: a code is accepted once (replay refused). */
  totpLastStep: integer("totp_last_step"),
  passwordChangedAt: text("password_changed_at"),
  lastLoginAt: text("last_login_at"),
  ...timestamps,
});

/** Single-use backup codes for two-factor authentication (SHA-256 of each code). */
export const backupCodes = sqliteTable(
  "backup_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("backup_codes_user_idx").on(t.userId)],
);

/** Portal logins of customer contacts; every query they make is scoped to their customer. */
export const customerAccounts = sqliteTable(
  "customer_accounts",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    contactId: text("contact_id").references(() => contacts.id),
    email: text("email").notNull().unique(),
    passwordHash: text("password_hash"),
    status: text("status", { enum: ["active", "invited", "disabled"] }).notNull(),
    lastLoginAt: text("last_login_at"),
    ...timestamps,
  },
  (t) => [index("customer_accounts_customer_idx").on(t.customerId), uniqueIndex("customer_accounts_contact_unique").on(t.contactId)],
);

/** Single-use links (invitation, password reset, email verification), stored as SHA-256 hashes. */
export const actionTokens = sqliteTable(
  "action_tokens",
  {
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: ["invite", "password_reset", "verify_email", "portal_invite"] }).notNull(),
    subjectType: text("subject_type", { enum: ["user", "customer"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    data: text("data", { mode: "json" }).$type<Record<string, string>>().notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("action_tokens_subject_idx").on(t.subjectId, t.purpose)],
);

/** API keys: `ocrm_<prefix>_<secret>`; the prefix finds the row, only a hash of the secret is kept. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  kind: text("kind", { enum: ["standard", "runner"] }).notNull(),
  prefix: text("prefix").notNull().unique(),
  secretHash: text("secret_hash").notNull(),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  createdBy: text("created_by").notNull(),
  expiresAt: text("expires_at"),
  revokedAt: text("revoked_at"),
  lastUsedAt: text("last_used_at"),
  lastUsedIp: text("last_used_ip"),
  ...timestamps,
});

/** Emails are rows first, sent by the worker through Mailjet with retries, so an outage loses nothing. */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toEmail: text("to_email").notNull(),
    toName: text("to_name"),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body").notNull(),
    status: text("status", { enum: ["pending", "sending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at"),
  },
  (t) => [index("email_outbox_due_idx").on(t.status, t.nextAttemptAt), index("email_outbox_created_idx").on(t.createdAt, t.id)],
);

export const roles = sqliteTable("roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description"),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  builtIn: integer("built_in", { mode: "boolean" }).notNull(),
  /** Members must use two-factor authentication. */
  requireTwoFactor: integer("require_two_factor", { mode: "boolean" }).notNull().default(false),
  ...timestamps,
});

export const userRoles = sqliteTable(
  "user_roles",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] })],
);

/**
 * Sign-in sessions of staff users and customer accounts. Web sessions are identified by the
 * SHA-256 of their cookie token; API sessions by their refresh tokens (a session is one refresh
 * token family).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    subjectType: text("subject_type", { enum: ["user", "customer"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    kind: text("kind", { enum: ["web", "api"] }).notNull(),
    tokenHash: text("token_hash").unique(),
    remember: integer("remember", { mode: "boolean" }).notNull(),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    revokedReason: text("revoked_reason"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_subject_idx").on(t.subjectId, t.revokedAt)],
);

/** Refresh tokens, rotated on every use; presenting a used one revokes its session (the family). */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

/** Catalog offers. Prices live in product_versions: a price change makes a new version. */
export const products = sqliteTable("products", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  description: text("description"),
  type: text("type", { enum: ["standalone", "bundle", "addon", "promotion"] }).notNull(),
  serviceType: text("service_type", { enum: ["mobile", "fixed_internet", "voip", "iptv", "other"] }).notNull(),
  status: text("status", { enum: ["draft", "active", "retired"] }).notNull(),
  currency: text("currency").notNull(),
  taxClass: text("tax_class").notNull(),
  recurringPeriod: text("recurring_period", { enum: ["monthly", "none"] }).notNull(),
  prorate: integer("prorate", { mode: "boolean" }).notNull(),
  provisioningPlay: text("provisioning_play"),
  provisioningJsonVars: text("provisioning_json_vars", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  requiredInventory: text("required_inventory", { mode: "json" }).$type<string[]>().notNull(),
  cgrates: text("cgrates", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  components: text("components", { mode: "json" }).$type<string[]>().notNull(),
  compatibleWith: text("compatible_with", { mode: "json" }).$type<string[]>().notNull(),
  promotion: text("promotion", { mode: "json" }).$type<Record<string, unknown> | null>(),
  eligibility: text("eligibility", { mode: "json" }).$type<{ customer_types: string[] }>().notNull(),
  allowNegative: integer("allow_negative", { mode: "boolean" }).notNull(),
  lowBalanceThresholds: text("low_balance_thresholds", { mode: "json" }).$type<Record<string, number>>().notNull(),
  currentVersion: integer("current_version").notNull(),
  ...timestamps,
});

export const productVersions = sqliteTable(
  "product_versions",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    version: integer("version").notNull(),
    retailPrice: integer("retail_price").notNull(),
    wholesalePrice: integer("wholesale_price").notNull(),
    retailSetupFee: integer("retail_setup_fee").notNull(),
    wholesaleSetupFee: integer("wholesale_setup_fee").notNull(),
    includedBalances: text("included_balances", { mode: "json" }).$type<{ unit: string; amount: number; validity_days: number | null }[]>().notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("product_versions_unique").on(t.productId, t.version)],
);

/** Active instances of products for customers; lifecycle and balances are written by their ServiceState DO. */
export const services = sqliteTable(
  "services",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    productVersionId: text("product_version_id")
      .notNull()
      .references(() => productVersions.id),
    siteId: text("site_id").references(() => sites.id),
    contactId: text("contact_id").references(() => contacts.id),
    parentServiceId: text("parent_service_id"),
    status: text("status", { enum: ["pending", "provisioning", "active", "suspended", "terminating", "terminated", "failed"] }).notNull(),
    identifiers: text("identifiers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    vars: text("vars", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    activatedAt: text("activated_at"),
    terminatedAt: text("terminated_at"),
    /** When the service's CGRateS account was last read back (its balances are CGRateS's as of then). */
    chargingSyncedAt: text("charging_synced_at"),
    ...timestamps,
  },
  (t) => [
    index("services_customer_idx").on(t.customerId, t.id),
    index("services_status_idx").on(t.status, t.id),
    index("services_parent_idx").on(t.parentServiceId),
  ],
);

export const serviceAddons = sqliteTable(
  "service_addons",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    productVersionId: text("product_version_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("service_addons_service_idx").on(t.serviceId)],
);

/** Provisioning jobs (outbox): written in the same batch as the state change, then queued. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: JOB_TYPES }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    serviceId: text("service_id").references(() => services.id),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    leaseId: text("lease_id"),
    leaseExpiresAt: text("lease_expires_at"),
    result: text("result", { mode: "json" }).$type<Record<string, unknown> | null>(),
    error: text("error"),
    ...timestamps,
    finishedAt: text("finished_at"),
    /** A job retried with a delay is not leased before this instant. */
    notBefore: text("not_before"),
  },
  (t) => [index("jobs_status_idx").on(t.status, t.id), index("jobs_service_idx").on(t.serviceId, t.id)],
);

/** The last pull of each runner (by its API key), for the runner's health on the dashboard. */
export const runnerHeartbeats = sqliteTable("runner_heartbeats", {
  keyId: text("key_id").primaryKey(),
  label: text("label").notNull(),
  lastPullAt: text("last_pull_at").notNull(),
  /** How many jobs that pull leased. */
  lastLeased: integer("last_leased").notNull(),
});

/** What the runner reported while running a job: one row per task event, in order. */
export const jobEvents = sqliteTable(
  "job_events",
  {
    jobId: text("job_id").notNull(),
    seq: integer("seq").notNull(),
    attempt: integer("attempt").notNull(),
    at: text("at").notNull(),
    task: text("task").notNull(),
    status: text("status").notNull(),
    message: text("message"),
    durationMs: integer("duration_ms"),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

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

/** Inventory item types (templates) with their typed fields; built-in ones cannot be deleted. */
export const inventoryTemplates = sqliteTable("inventory_templates", {
  slug: text("slug").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  fields: text("fields", { mode: "json" }).$type<InventoryFieldDef[]>().notNull(),
  builtIn: integer("built_in", { mode: "boolean" }).notNull(),
  /** Alert when items in stock fall below this (null: no alert). */
  lowStockThreshold: integer("low_stock_threshold"),
  /** Set when the low-stock alert was sent; cleared when stock is back above the threshold. */
  lowStockAlertedAt: text("low_stock_alerted_at"),
  ...timestamps,
});

export type InventoryFieldKind =
  | "text"
  | "integer"
  | "decimal"
  | "boolean"
  | "enum"
  | "iccid"
  | "imsi"
  | "e164"
  | "mac"
  | "cidr"
  | "ip"
  | "latitude"
  | "longitude"
  | "azimuth"
  | "digits"
  | "secret";

export type InventoryFieldDef = {
  name: string;
  label: string;
  kind: InventoryFieldKind;
  required: boolean;
  /** An identifier: unique among items of the type, indexed for search. */
  unique: boolean;
  options?: string[];
  /** For `digits`: allowed lengths. */
  lengths?: number[];
};

/** Physical and virtual assets. Secret fields (PIN, PUK, Ki) are sealed together in `secrets`. */
export const inventoryItems = sqliteTable(
  "inventory_items",
  {
    id: text("id").primaryKey(),
    type: text("type")
      .notNull()
      .references(() => inventoryTemplates.slug),
    status: text("status", { enum: ["in_stock", "reserved", "assigned", "returned", "retired"] }).notNull(),
    fields: text("fields", { mode: "json" }).$type<Record<string, string | number | boolean | null>>().notNull(),
    secrets: text("secrets"),
    location: text("location"),
    supplier: text("supplier"),
    costAmount: integer("cost_amount"),
    currency: text("currency"),
    customerId: text("customer_id").references(() => customers.id),
    serviceId: text("service_id"),
    reservedUntil: text("reserved_until"),
    notes: text("notes"),
    importId: text("import_id"),
    ...timestamps,
  },
  (t) => [
    index("inventory_items_type_status_idx").on(t.type, t.status, t.id),
    index("inventory_items_status_idx").on(t.status, t.id),
    index("inventory_items_service_idx").on(t.serviceId),
    index("inventory_items_customer_idx").on(t.customerId),
    index("inventory_items_location_idx").on(t.location),
  ],
);

/** One row per identifier value (`type:field:value`): the primary key makes duplicates impossible. */
export const inventoryKeys = sqliteTable(
  "inventory_keys",
  {
    key: text("key").primaryKey(),
    itemId: text("item_id").notNull(),
  },
  (t) => [index("inventory_keys_item_idx").on(t.itemId)],
);

/** Addresses and sub-prefixes handed out from IP blocks; ranges as fixed-width hex so SQL compares them. */
export const ipAllocations = sqliteTable(
  "ip_allocations",
  {
    id: text("id").primaryKey(),
    blockId: text("block_id").notNull(),
    serviceId: text("service_id"),
    family: integer("family").notNull(),
    cidr: text("cidr").notNull(),
    startKey: text("start_key").notNull(),
    endKey: text("end_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("ip_allocations_block_idx").on(t.blockId, t.startKey), index("ip_allocations_service_idx").on(t.serviceId)],
);

/** Versioned device configuration (from playbook outputs or edited by staff). */
export const inventoryConfigs = sqliteTable(
  "inventory_configs",
  {
    id: text("id").primaryKey(),
    itemId: text("item_id").notNull(),
    version: integer("version").notNull(),
    content: text("content").notNull(),
    source: text("source", { enum: ["playbook", "edited"] }).notNull(),
    jobId: text("job_id"),
    note: text("note"),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("inventory_configs_version_unique").on(t.itemId, t.version)],
);

/** Bulk imports: what was sent and what came of it (the rows themselves carry import_id). */
export const inventoryImports = sqliteTable("inventory_imports", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  mode: text("mode", { enum: ["valid_rows", "all_or_nothing"] }).notNull(),
  totalRows: integer("total_rows").notNull(),
  imported: integer("imported").notNull(),
  rejected: integer("rejected").notNull(),
  errors: text("errors", { mode: "json" }).$type<{ line: number; field: string | null; message: string }[]>().notNull(),
  createdBy: text("created_by"),
  createdAt: text("created_at").notNull(),
});

/** SMS waiting for (or sent through) the operator's HTTP SMS gateway; written with the change that causes them. */
export const smsOutbox = sqliteTable(
  "sms_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toPhone: text("to_phone").notNull(),
    text: text("text").notNull(),
    status: text("status", { enum: ["pending", "sending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: text("next_attempt_at").notNull(),
    providerMessageId: text("provider_message_id"),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at"),
  },
  (t) => [index("sms_outbox_due_idx").on(t.status, t.nextAttemptAt)],
);
