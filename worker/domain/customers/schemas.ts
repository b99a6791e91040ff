/** Customer shapes: one zod schema feeds validation (API and forms) and the OpenAPI document. */
import { z } from "zod";
import { currencyCode, localeTag, optionalText, requiredText, timeZoneName } from "../validation";

export const CUSTOMER_TYPES = ["individual", "business"] as const;
export const CUSTOMER_STATUSES = ["open", "suspended", "closed", "archived"] as const;
export const PAYMENT_TYPES = ["prepaid", "postpaid"] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u;

export const tagName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, { message: "Tags cannot be empty" })
  .max(40, { message: "Tags have at most 40 characters" })
  .regex(TAG_PATTERN, { message: "Tags use letters, digits, spaces, - and _" })
  // zod writes a flagged regex as "source/flags", which no JSON Schema validator can match; the
  // pattern alone is right there (JSON Schema patterns are Unicode-aware, like the `u` flag).
  .meta({ pattern: TAG_PATTERN.source });

export const tagList = z
  .array(tagName)
  .max(50, { message: "At most 50 tags" })
  .transform((tags) => [...new Set(tags)].sort())
  .meta({ example: ["vip", "fibre"] });

export const attributeValue = z.union([z.string().max(2000), z.number(), z.boolean()]).nullable();
export const attributeValues = z
  .record(z.string().max(64), attributeValue)
  .meta({ description: "Values keyed by attribute definition key; null removes a value", example: { segment: "smb" } });

const paymentTermsDays = z
  .number()
  .int({ message: "A whole number of days" })
  .min(0, { message: "At least 0" })
  .max(365, { message: "At most 365" })
  .nullable()
  .optional()
  .meta({ description: "Days from an invoice's issue to its due date; null = the default (30)" });

const exemptionReason = optionalText(200).meta({
  description: "Why the customer is exempt from tax (printed on invoices, e.g. 'Autoliquidation, art. 283-2 CGI'); null: taxed",
});
const exemptionReference = optionalText(100).meta({ description: "The exemption's reference number (a certificate, a VAT number)" });

/** An exemption is a reason and a reference, together. */
function exemptionBoth(c: { tax_exemption_reason?: string | null; tax_exemption_reference?: string | null }, ctx: z.RefinementCtx) {
  if (c.tax_exemption_reason === undefined && c.tax_exemption_reference === undefined) return;
  if (Boolean(c.tax_exemption_reason) !== Boolean(c.tax_exemption_reference))
    ctx.addIssue({
      code: "custom",
      path: [c.tax_exemption_reason ? "tax_exemption_reference" : "tax_exemption_reason"],
      message: "A tax exemption needs both a reason and a reference",
    });
}

const creditLimit = z
  .number()
  .int({ message: "Minor units (a whole number)" })
  .min(0, { message: "At least 0" })
  .max(1_000_000_000_00)
  .nullable()
  .optional()
  .meta({ description: "Postpaid: what the customer may owe, in minor units, before new orders are refused (409); null: no limit" });

const externalId = optionalText(100).meta({ description: "Your identifier for this customer (unique)" });

export const CustomerCreate = z
  .strictObject({
    name: requiredText(200),
    type: z.enum(CUSTOMER_TYPES),
    payment_type: z.enum(PAYMENT_TYPES).default("postpaid"),
    currency: currencyCode.optional().meta({ description: "Defaults to the operator's currency" }),
    locale: localeTag.optional().meta({ description: "Defaults to the operator's locale" }),
    timezone: timeZoneName.optional().meta({ description: "Defaults to the operator's time zone" }),
    external_id: externalId,
    notes: optionalText(5000),
    payment_terms_days: paymentTermsDays,
    tax_exemption_reason: exemptionReason,
    tax_exemption_reference: exemptionReference,
    credit_limit: creditLimit,
    auto_pay: z.boolean().optional().meta({ description: "Pay each invoice with the default card as soon as it is issued" }),
    tags: tagList.optional(),
    attributes: attributeValues.optional(),
  })
  .superRefine(exemptionBoth)
  .meta({ id: "CustomerCreate" });
export type CustomerCreateInput = z.infer<typeof CustomerCreate>;

export const CustomerPatch = z
  .strictObject({
    name: requiredText(200).optional(),
    type: z.enum(CUSTOMER_TYPES).optional(),
    payment_type: z.enum(PAYMENT_TYPES).optional(),
    currency: currencyCode.optional(),
    locale: localeTag.optional(),
    timezone: timeZoneName.optional(),
    external_id: externalId,
    notes: optionalText(5000),
    payment_terms_days: paymentTermsDays,
    tax_exemption_reason: exemptionReason,
    tax_exemption_reference: exemptionReference,
    credit_limit: creditLimit,
    auto_pay: z.boolean().optional().meta({ description: "Pay each invoice with the default card as soon as it is issued" }),
  })
  .superRefine(exemptionBoth)
  .meta({ id: "CustomerPatch", description: "Fields to change; status changes use the transition endpoints" });
export type CustomerPatchInput = z.infer<typeof CustomerPatch>;

export const Customer = z
  .object({
    id: z.string().meta({ example: "cus_01j9z3k7m8q2w4e6r8t0y2u4i6" }),
    name: z.string(),
    type: z.enum(CUSTOMER_TYPES),
    status: z.enum(CUSTOMER_STATUSES),
    payment_type: z.enum(PAYMENT_TYPES),
    currency: z.string(),
    locale: z.string(),
    timezone: z.string(),
    external_id: z.string().nullable(),
    notes: z.string().nullable(),
    payment_terms_days: z.number().int().nullable(),
    tax_exemption_reason: z.string().nullable(),
    tax_exemption_reference: z.string().nullable(),
    credit_limit: z.number().int().nullable(),
    auto_pay: z.boolean(),
    stripe_customer_id: z.string().nullable().meta({ description: "Created on first need (saving a card, paying)" }),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    created_at: z.string(),
    updated_at: z.string(),
    archived_at: z.string().nullable(),
  })
  .meta({ id: "Customer" });
export type CustomerView = z.infer<typeof Customer>;

export const CUSTOMER_SORTS = ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/** Explicit status transitions; anything else is refused with 409. */
export const CUSTOMER_TRANSITIONS = {
  suspend: { from: ["open"], to: "suspended" },
  resume: { from: ["suspended"], to: "open" },
  close: { from: ["open", "suspended"], to: "closed" },
  reopen: { from: ["closed"], to: "open" },
  archive: { from: ["open", "suspended", "closed"], to: "archived" },
  restore: { from: ["archived"], to: "closed" },
} as const satisfies Record<string, { from: readonly CustomerStatus[]; to: CustomerStatus }>;
export type CustomerTransition = keyof typeof CUSTOMER_TRANSITIONS;
export const CUSTOMER_TRANSITION_NAMES = Object.keys(CUSTOMER_TRANSITIONS) as CustomerTransition[];
