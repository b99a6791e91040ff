import { z } from "zod";
import { BALANCE_UNITS } from "../catalog/schemas";
import { currencyCode, optionalText, refId } from "../validation";
import { SERVICE_STATUSES } from "./state";

export const ServiceOrder = z
  .strictObject({
    product_id: refId,
    site_id: refId.nullable().optional(),
    contact_id: refId.nullable().optional(),
    inventory: z.record(z.string().max(40), refId).optional().meta({ description: "Inventory items picked by staff, by type (inventory module)" }),
    vars: z
      .record(z.string().max(64), z.unknown())
      .refine((v) => JSON.stringify(v).length <= 10_000, { message: "At most 10 kB" })
      .default({})
      .meta({ description: "Order variables passed to the playbook" }),
    promo_code: z
      .string()
      .trim()
      .max(32, { message: "At most 32 characters" })
      .transform((v) => (v === "" ? null : v))
      .nullable()
      .optional()
      .meta({ description: "A promo code: its discount applies to the service's recurring charges, shown on the invoices it covers" }),
  })
  .meta({ id: "ServiceOrder" });
export type ServiceOrderInput = z.infer<typeof ServiceOrder>;

export const TopUp = z
  .union([
    z.strictObject({
      amount: z.number().int({ message: "Minor units (integer)" }).positive().max(100_000_000),
      currency: currencyCode,
      payment_method: optionalText(64),
    }),
    z.strictObject({ product_id: refId, payment_method: optionalText(64) }),
  ])
  .meta({ id: "TopUpRequest", description: "A monetary credit ({amount, currency}) or a top-up add-on ({product_id}, e.g. 5 GB for 30 days)" });

export const Bucket = z.object({
  id: z.string(),
  unit: z.enum(BALANCE_UNITS),
  amount: z.number().int(),
  pending_amount: z.number().int(),
  expires_at: z.string().nullable(),
  source: z.string(),
});

export const Balance = z.object({ service_id: z.string(), status: z.enum(SERVICE_STATUSES), buckets: z.array(Bucket) }).meta({ id: "Balance" });

export const Job = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.string(),
    attempts: z.number().int(),
    service_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "JobSummary" });

export const Service = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    product_id: z.string(),
    product_version_id: z.string(),
    product_name: z.string(),
    service_type: z.string(),
    site_id: z.string().nullable(),
    contact_id: z.string().nullable(),
    parent_service_id: z.string().nullable(),
    status: z.enum(SERVICE_STATUSES),
    identifiers: z.record(z.string(), z.string()),
    vars: z.record(z.string(), z.unknown()),
    activated_at: z.string().nullable(),
    terminated_at: z.string().nullable(),
    charging_synced_at: z.string().nullable().meta({ description: "When the balances were last read from CGRateS (they are CGRateS's as of then)" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Service" });
export type ServiceView = z.infer<typeof Service>;

export const Transaction = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    service_id: z.string().nullable(),
    kind: z.enum(["charge", "credit"]),
    description: z.string(),
    date: z.string(),
    amount: z.number().int(),
    tax_amount: z.number().int(),
    tax_rate_bp: z.number().int(),
    wholesale_amount: z.number().int(),
    currency: z.string(),
    invoice_id: z.string().nullable(),
    reverses_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "Transaction" });

export const TransactionCreate = z
  .union([
    z.strictObject({
      customer_id: z.string().min(1).max(64),
      service_id: z.string().max(64).nullable().optional(),
      kind: z.enum(["charge", "credit"]),
      description: z.string().trim().min(1).max(300),
      amount: z.number().int({ message: "Minor units (integer)" }).positive().max(100_000_000),
      currency: currencyCode,
      tax_class: z.string().max(40).default("standard"),
      wholesale_amount: z.number().int().min(0).max(100_000_000).default(0),
    }),
    z.strictObject({ reverses_id: z.string().min(1).max(64), description: z.string().trim().min(1).max(300).optional() }),
  ])
  .meta({ id: "TransactionCreate", description: "A manual charge or credit, or the reversal of an existing transaction ({reverses_id})" });

/** The optional body of a lifecycle action (`POST /services/{id}/suspend` …): why, kept in the activity log. */
export const StatusChangeInput = z.strictObject({ reason: optionalText(500) }).meta({ id: "ServiceStatusChange" });
