/** Catalog shapes: one zod schema per input, shared by the API, the pages and OpenAPI. */
import { z } from "zod";
import { currencyCode, optionalText, requiredText } from "../validation";

export const PRODUCT_TYPES = ["standalone", "bundle", "addon", "promotion"] as const;
export const SERVICE_TYPES = ["mobile", "fixed_internet", "voip", "iptv", "other"] as const;
export const PRODUCT_STATUSES = ["draft", "active", "retired"] as const;
export const BALANCE_UNITS = ["monetary", "data", "voice", "sms"] as const;
export type BalanceUnit = (typeof BALANCE_UNITS)[number];

const money = (label: string) =>
  z
    .number({ message: `${label} must be a whole number of minor units` })
    .int({ message: "Minor units (integer)" })
    .min(0)
    .max(100_000_000);
const slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: "2–63 lowercase letters, digits and -" });
const playbook = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: "A playbook name such as mobile_prepaid (without .yml)" });

export const IncludedBalance = z.strictObject({
  unit: z.enum(BALANCE_UNITS),
  amount: z
    .number()
    .int()
    .positive()
    .max(10 ** 15)
    .meta({ description: "Minor units, bytes, seconds or messages" }),
  validity_days: z.number().int().min(1).max(3650).nullable().default(null),
});

export const CgratesSettings = z
  .strictObject({
    account_options: z.strictObject({ allow_negative: z.boolean().optional(), disabled: z.boolean().optional() }).default({}),
    action_plan: z.string().trim().max(100).nullable().default(null),
    actions: z.string().trim().max(100).nullable().default(null),
  })
  .default({ account_options: {}, action_plan: null, actions: null });

export const Promotion = z.strictObject({
  kind: z.enum(["percent", "fixed", "free_months"]),
  value: z.number().int().min(0).max(100_000_000).meta({ description: "Percent (0–100), minor units, or months" }),
  months: z.number().int().min(1).max(120).nullable().default(null).meta({ description: "How long the promotion applies" }),
});

const jsonVars = z
  .record(z.string().max(64), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 20_000, { message: "At most 20 kB of JSON" })
  .meta({ description: "Extra variables passed to the playbook (a JSON object)" });

const productFields = {
  name: requiredText(120),
  description: optionalText(2000),
  service_type: z.enum(SERVICE_TYPES),
  status: z.enum(PRODUCT_STATUSES),
  currency: currencyCode,
  tax_class: z.string().trim().min(1).max(40),
  retail_price: money("The retail price"),
  wholesale_price: money("The wholesale price"),
  retail_setup_fee: money("The setup fee"),
  wholesale_setup_fee: money("The wholesale setup fee"),
  recurring_period: z.enum(["monthly", "annual", "none"]),
  prorate: z.boolean(),
  provisioning_play: playbook.nullable(),
  provisioning_json_vars: jsonVars,
  required_inventory: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[a-z][a-z0-9_]{1,39}$/, { message: "An inventory type slug such as sim or phone_number" }),
    )
    .max(10)
    .transform((v) => [...new Set(v)]),
  cgrates: CgratesSettings,
  included_balances: z.array(IncludedBalance).max(20),
  components: z.array(z.string().max(64)).max(20),
  compatible_with: z.array(z.string().max(64)).max(100),
  promotion: Promotion.nullable(),
  eligibility: z.strictObject({ customer_types: z.array(z.enum(["individual", "business"])).min(1, { message: "At least one customer type" }) }),
  allow_negative: z.boolean(),
  suspend_when_exhausted: z.boolean().meta({
    description:
      "Prepaid: suspend the service when its balance runs out (a debit beyond it, or a usage sync finding nothing left); else usage beyond it is refused",
  }),
  low_balance_thresholds: z.partialRecord(z.enum(BALANCE_UNITS), z.number().int().min(0)),
  plan_change_approval: z.boolean().meta({ description: "Customers' requests (portal) to change to this plan wait for staff approval" }),
};

export const ProductCreate = z
  .strictObject({
    ...productFields,
    slug,
    type: z.enum(PRODUCT_TYPES),
    status: productFields.status.default("draft"),
    currency: productFields.currency.optional().meta({ description: "Defaults to the operator's currency" }),
    tax_class: productFields.tax_class.default("standard"),
    wholesale_price: productFields.wholesale_price.default(0),
    retail_setup_fee: productFields.retail_setup_fee.default(0),
    wholesale_setup_fee: productFields.wholesale_setup_fee.default(0),
    recurring_period: productFields.recurring_period.default("monthly"),
    prorate: productFields.prorate.default(true),
    provisioning_play: productFields.provisioning_play.default(null),
    provisioning_json_vars: productFields.provisioning_json_vars.default({}),
    required_inventory: productFields.required_inventory.default([]),
    included_balances: productFields.included_balances.default([]),
    components: productFields.components.default([]),
    compatible_with: productFields.compatible_with.default([]),
    promotion: productFields.promotion.default(null),
    eligibility: productFields.eligibility.default({ customer_types: ["individual", "business"] }),
    allow_negative: productFields.allow_negative.default(false),
    suspend_when_exhausted: productFields.suspend_when_exhausted.default(false),
    low_balance_thresholds: productFields.low_balance_thresholds.default({}),
    plan_change_approval: productFields.plan_change_approval.default(false),
  })
  .superRefine((p, ctx) => {
    if (p.type === "bundle" && p.components.length < 2)
      ctx.addIssue({ code: "custom", path: ["components"], message: "A bundle needs at least two component products" });
    if (p.type !== "bundle" && p.components.length > 0) ctx.addIssue({ code: "custom", path: ["components"], message: "Only bundles have components" });
    if (p.type === "addon" && p.compatible_with.length === 0)
      ctx.addIssue({ code: "custom", path: ["compatible_with"], message: "Say which products this add-on attaches to" });
    if (p.type === "promotion" && !p.promotion) ctx.addIssue({ code: "custom", path: ["promotion"], message: "A promotion needs its terms" });
    if (p.type !== "promotion" && p.promotion) ctx.addIssue({ code: "custom", path: ["promotion"], message: "Only promotions have promotion terms" });
    if (p.promotion?.kind === "percent" && p.promotion.value > 100) ctx.addIssue({ code: "custom", path: ["promotion", "value"], message: "At most 100 %" });
  })
  .meta({ id: "ProductCreate" });
export type ProductCreateInput = z.infer<typeof ProductCreate>;

export const ProductPatch = z
  .strictObject(
    Object.fromEntries(Object.entries(productFields).map(([k, v]) => [k, (v as z.ZodType).optional()])) as {
      [K in keyof typeof productFields]: z.ZodOptional<(typeof productFields)[K]>;
    },
  )
  .meta({
    id: "ProductPatch",
    description: "Changing prices, setup fees or included balances creates a new version; existing services keep theirs until migrated",
  });
export type ProductPatchInput = z.infer<typeof ProductPatch>;

export const Product = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    type: z.enum(PRODUCT_TYPES),
    service_type: z.enum(SERVICE_TYPES),
    status: z.enum(PRODUCT_STATUSES),
    currency: z.string(),
    tax_class: z.string(),
    version: z.number().int(),
    version_id: z.string(),
    retail_price: z.number().int(),
    wholesale_price: z.number().int(),
    retail_setup_fee: z.number().int(),
    wholesale_setup_fee: z.number().int(),
    recurring_period: z.enum(["monthly", "annual", "none"]),
    prorate: z.boolean(),
    provisioning_play: z.string().nullable(),
    provisioning_json_vars: z.record(z.string(), z.unknown()),
    required_inventory: z.array(z.string()),
    cgrates: z.record(z.string(), z.unknown()),
    included_balances: z.array(z.object({ unit: z.enum(BALANCE_UNITS), amount: z.number(), validity_days: z.number().nullable() })),
    components: z.array(z.string()),
    compatible_with: z.array(z.string()),
    promotion: z.record(z.string(), z.unknown()).nullable(),
    eligibility: z.object({ customer_types: z.array(z.string()) }),
    allow_negative: z.boolean(),
    suspend_when_exhausted: z.boolean(),
    low_balance_thresholds: z.record(z.string(), z.number()),
    plan_change_approval: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Product" });
export type ProductView = z.infer<typeof Product>;

/** Fields whose change makes a new price version. */
export const VERSIONED_FIELDS = ["retail_price", "wholesale_price", "retail_setup_fee", "wholesale_setup_fee", "included_balances"] as const;
