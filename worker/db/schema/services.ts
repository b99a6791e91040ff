/** The catalogue (products and their priced versions) and the services ordered from it. */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { contacts, customers, sites } from "./customers";

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
  recurringPeriod: text("recurring_period", { enum: ["monthly", "annual", "none"] }).notNull(),
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
  /** A prepaid service whose balance runs out is suspended (else usage beyond it is only refused). */
  suspendWhenExhausted: integer("suspend_when_exhausted", { mode: "boolean" }).notNull().default(false),
  lowBalanceThresholds: text("low_balance_thresholds", { mode: "json" }).$type<Record<string, number>>().notNull(),
  /** A customer's request to change to this plan (portal) waits for staff approval. */
  planChangeApproval: integer("plan_change_approval", { mode: "boolean" }).notNull().default(false),
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

/**
 * A customer's request (portal) to move a service to another plan. Applied at once as a change-plan
 * job, or — when the target product says so — once a staff member approves it.
 */
export const planChangeRequests = sqliteTable(
  "plan_change_requests",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    fromProductId: text("from_product_id").notNull(),
    toProductId: text("to_product_id")
      .notNull()
      .references(() => products.id),
    status: text("status", { enum: ["pending", "approved", "rejected", "cancelled"] }).notNull(),
    requestedBy: text("requested_by").notNull(),
    decidedBy: text("decided_by"),
    reason: text("reason"),
    /** The change-plan job an approval started. */
    jobId: text("job_id"),
    decidedAt: text("decided_at"),
    ...timestamps,
  },
  (t) => [
    index("plan_change_requests_service_idx").on(t.serviceId, t.status),
    index("plan_change_requests_status_idx").on(t.status, t.id),
    // At most one pending request per service.
    uniqueIndex("plan_change_requests_pending_unique").on(t.serviceId).where(sql`${t.status} = 'pending'`),
  ],
);
