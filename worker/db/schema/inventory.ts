/** Inventory: item types, items, identifier keys, IP allocations, device configurations and imports. */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { customers } from "./customers";

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
    status: text("status", { enum: ["in_stock", "reserved", "assigned", "returned", "retired", "quarantined"] }).notNull(),
    fields: text("fields", { mode: "json" }).$type<Record<string, string | number | boolean | null>>().notNull(),
    secrets: text("secrets"),
    location: text("location"),
    supplier: text("supplier"),
    costAmount: integer("cost_amount"),
    currency: text("currency"),
    customerId: text("customer_id").references(() => customers.id),
    serviceId: text("service_id"),
    reservedUntil: text("reserved_until"),
    /** With status `quarantined` (phone numbers released from a service): when it goes back to stock. */
    quarantinedUntil: text("quarantined_until"),
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
