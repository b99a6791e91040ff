/** Inventory shapes: one zod schema per input and output, shared by the API, the pages and OpenAPI. */
import { z } from "zod";
import { currencyCode, optionalText, requiredText } from "../validation";

/**
 * `quarantined` (phone numbers only): released from a service and resting until `quarantined_until`
 * before anyone can have it again. A status of its own rather than `in_stock` plus a date, so that
 * everything that offers, takes or counts stock (allocation, the order form, low-stock counts, the
 * provisioning check) already leaves it out by looking at `in_stock` alone; the minute cron, or staff
 * with a reason, put it back in stock.
 */
export const ITEM_STATUSES = ["in_stock", "reserved", "assigned", "returned", "retired", "quarantined"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const FIELD_KINDS = [
  "text",
  "integer",
  "decimal",
  "boolean",
  "enum",
  "iccid",
  "imsi",
  "e164",
  "mac",
  "cidr",
  "ip",
  "latitude",
  "longitude",
  "azimuth",
  "digits",
  "secret",
] as const;

/**
 * Explicit item transitions (ARCHITECTURE.md: in_stock → reserved → assigned → returned → in_stock,
 * or retired). A reservation is released back to stock; anything not assigned can be retired.
 */
export const ITEM_TRANSITIONS: Record<ItemStatus, readonly ItemStatus[]> = {
  in_stock: ["reserved", "retired"],
  reserved: ["assigned", "in_stock", "retired"],
  assigned: ["returned"],
  returned: ["in_stock", "retired"],
  retired: [],
  // Back to stock only when the quarantine ends (the cron) or is ended early with a reason (`endQuarantine`).
  quarantined: ["retired"],
};

const fieldName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, { message: "lowercase letters, digits and _ (max 40), starting with a letter" });

export const FieldDef = z
  .strictObject({
    name: fieldName,
    label: requiredText(80),
    kind: z.enum(FIELD_KINDS),
    required: z.boolean().default(false),
    unique: z.boolean().default(false).meta({ description: "An identifier: unique within the type and searchable" }),
    options: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
    lengths: z.array(z.number().int().min(1).max(40)).max(40).optional(),
  })
  .refine((f) => f.kind !== "enum" || (f.options?.length ?? 0) > 0, { message: "An enum field needs options", path: ["options"] })
  .refine((f) => !(f.kind === "secret" && f.unique), { message: "A secret cannot be an identifier", path: ["unique"] })
  .meta({ id: "InventoryField" });

const fieldList = z
  .array(FieldDef)
  .min(1, { message: "At least one field" })
  .max(40)
  .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, { message: "Field names must be unique" });

export const TemplateCreate = z.strictObject({
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z0-9_]{1,39}$/, { message: "2–40 lowercase letters, digits and _" }),
  name: requiredText(80),
  description: optionalText(500),
  fields: fieldList,
  low_stock_threshold: z.number().int().min(0).max(10_000_000).nullable().optional(),
});
export type TemplateCreateInput = z.infer<typeof TemplateCreate>;

export const TemplatePatch = z.strictObject({
  name: requiredText(80).optional(),
  description: optionalText(500),
  fields: fieldList.optional().meta({ description: "Custom types only: the built-in types' fields are fixed" }),
  low_stock_threshold: z.number().int().min(0).max(10_000_000).nullable().optional(),
});
export type TemplatePatchInput = z.infer<typeof TemplatePatch>;

export const Template = z
  .object({
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    fields: z.array(
      z.object({
        name: z.string(),
        label: z.string(),
        kind: z.enum(FIELD_KINDS),
        required: z.boolean(),
        unique: z.boolean(),
        options: z.array(z.string()).optional(),
        lengths: z.array(z.number()).optional(),
      }),
    ),
    built_in: z.boolean(),
    low_stock_threshold: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "InventoryTemplate" });

const fieldValues = z
  .record(z.string().max(40), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .meta({ description: "Values by field name of the item's type (see its template)" });

const itemCommon = {
  location: optionalText(120),
  supplier: optionalText(120),
  cost_amount: z.number().int().min(0).max(100_000_000).nullable().optional().meta({ description: "Purchase cost in minor units" }),
  currency: currencyCode.nullable().optional(),
  notes: optionalText(2000),
};

export const ItemCreate = z.strictObject({
  type: z.string().trim().min(1).max(40),
  fields: fieldValues,
  ...itemCommon,
});
export type ItemCreateInput = z.infer<typeof ItemCreate>;

export const ItemPatch = z.strictObject({
  fields: fieldValues.optional().meta({ description: "Only the fields sent change; secrets are replaced when sent" }),
  ...itemCommon,
  status: z.enum(ITEM_STATUSES).optional().meta({ description: "An explicit transition; 409 when not allowed from the current status" }),
  customer_id: z.string().max(64).nullable().optional().meta({ description: "With status reserved: the customer it is held for" }),
  reserved_until: z.iso.datetime({ offset: true }).nullable().optional().meta({ description: "With status reserved: when the hold lapses" }),
});
export type ItemPatchInput = z.infer<typeof ItemPatch>;

export const Item = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.enum(ITEM_STATUSES),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    secret_fields: z.array(z.string()).meta({ description: "Names of the secrets held (encrypted, never returned)" }),
    location: z.string().nullable(),
    supplier: z.string().nullable(),
    cost_amount: z.number().nullable(),
    currency: z.string().nullable(),
    customer_id: z.string().nullable(),
    service_id: z.string().nullable(),
    reserved_until: z.string().nullable(),
    quarantined_until: z
      .string()
      .nullable()
      .meta({ description: "With status quarantined: when the number goes back to stock (a released number rests before reuse)" }),
    notes: z.string().nullable(),
    import_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "InventoryItem" });
export type ItemView = z.infer<typeof Item>;

export const QuarantineEnd = z.strictObject({
  reason: requiredText(500).meta({ description: "Why the number may be reused before its quarantine ends (recorded in its history)" }),
});
export type QuarantineEndInput = z.infer<typeof QuarantineEnd>;

export const IMPORT_MODES = ["valid_rows", "all_or_nothing"] as const;

export const ImportReport = z
  .object({
    import_id: z.string().nullable().meta({ description: "Null for a dry run" }),
    dry_run: z.boolean(),
    mode: z.enum(IMPORT_MODES),
    total: z.number().int(),
    imported: z.number().int().meta({ description: "Rows written (a dry run: rows that would be)" }),
    rejected: z.number().int(),
    errors: z
      .array(z.object({ line: z.number().int(), field: z.string().nullable(), message: z.string() }))
      .meta({ description: "Line 1 is the header row; at most 1,000 listed" }),
    errors_truncated: z.boolean(),
    preview: z.array(z.record(z.string(), z.unknown())).meta({ description: "The first valid rows as they would be stored (secrets hidden)" }),
  })
  .meta({ id: "InventoryImportReport" });
export type ImportReportView = z.infer<typeof ImportReport>;

export const IpAllocate = z.strictObject({
  service_id: z.string().max(64).nullable().optional(),
  prefix_length: z.number().int().min(1).max(128).optional().meta({ description: "Size of the sub-prefix (e.g. 30, 29, 64); without it a single address" }),
});

export const IpAllocation = z
  .object({ id: z.string(), block_id: z.string(), service_id: z.string().nullable(), cidr: z.string(), created_at: z.string() })
  .meta({ id: "IpAllocation" });

export const ConfigCreate = z.strictObject({
  content: z.string().max(200_000, { message: "At most 200 kB" }),
  note: optionalText(200),
});

export const Config = z
  .object({
    id: z.string(),
    item_id: z.string(),
    version: z.number().int(),
    content: z.string(),
    source: z.enum(["playbook", "edited"]),
    job_id: z.string().nullable(),
    note: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "InventoryConfig" });
