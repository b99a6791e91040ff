/**
 * The D1 schema: the only place tables are declared. Migrations in /migrations are generated from it
 * by drizzle-kit (`npm run db:generate`); FTS5 tables and triggers live in custom migrations.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
  lastLoginAt: text("last_login_at"),
  ...timestamps,
});

export const roles = sqliteTable("roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description"),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  builtIn: integer("built_in", { mode: "boolean" }).notNull(),
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

/** Browser sessions (cookie) and API refresh tokens; only SHA-256 hashes of the secrets are stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: ["web", "api"] }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
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
export type SearchDoc = typeof searchDocs.$inferInsert;
