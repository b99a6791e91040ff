/** Customers, their contacts, sites, tags and custom attributes. */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";

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
    /** Days from an invoice's issue to its due date; null = the operator's default (30). */
    paymentTermsDays: integer("payment_terms_days"),
    /** A tax exemption: why (printed on invoices) and its reference number; null when taxed. */
    taxExemptionReason: text("tax_exemption_reason"),
    taxExemptionReference: text("tax_exemption_reference"),
    /** Postpaid: what the customer may owe (minor units) before new orders are refused; null: no limit. */
    creditLimit: integer("credit_limit"),
    /** The Stripe customer (`cus_…`), created on first need (saving a card or paying). */
    stripeCustomerId: text("stripe_customer_id"),
    /** Pay each invoice with the default card as soon as it is issued. */
    autoPay: integer("auto_pay", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("customers_external_id_unique").on(t.externalId),
    uniqueIndex("customers_stripe_unique").on(t.stripeCustomerId),
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
