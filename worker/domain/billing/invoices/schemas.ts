import { z } from "zod";
import { email, optionalText, refId, requiredText } from "../../validation";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "A date as YYYY-MM-DD" })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { message: "Not a real date" });

/** The longest period one invoice covers. */
export const MAX_PERIOD_DAYS = 366;

export const InvoiceCreate = z
  .strictObject({
    customer_id: refId,
    period_start: isoDate,
    period_end: isoDate,
  })
  .refine((v) => v.period_end >= v.period_start, { message: "Must not be before period_start", path: ["period_end"] })
  .refine((v) => (Date.parse(v.period_end) - Date.parse(v.period_start)) / 86_400_000 < MAX_PERIOD_DAYS, {
    message: `A period covers at most ${MAX_PERIOD_DAYS} days`,
    path: ["period_end"],
  })
  .meta({ id: "InvoiceCreate" });
export type InvoiceCreateInput = z.infer<typeof InvoiceCreate>;

export const CreditNoteCreate = z
  .strictObject({
    amount: z
      .number()
      .int({ message: "Minor units: a whole number" })
      .positive()
      .max(1_000_000_000_00)
      .optional()
      .meta({ description: "What to credit, tax included, in minor units; the invoice's whole amount when omitted" }),
    reason: requiredText(500),
  })
  .meta({ id: "CreditNoteCreate" });
export type CreditNoteCreateInput = z.infer<typeof CreditNoteCreate>;

export const SendInput = z.strictObject({ to: email.nullable().optional() }).meta({ id: "InvoiceSend" });

export const VoidInput = z.strictObject({ reason: optionalText(500) }).meta({ id: "InvoiceVoid" });

export const INVOICE_STATUSES = ["draft", "issued", "paid", "void"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const InvoiceLine = z
  .object({
    id: z.string(),
    description: z.string(),
    amount: z.number().int().meta({ description: "Net, minor units (credits negative)" }),
    tax_amount: z.number().int(),
    tax_rate_bp: z.number().int(),
    transaction_id: z.string().nullable(),
  })
  .meta({ id: "InvoiceLine" });

export const Invoice = z
  .object({
    id: z.string(),
    kind: z.enum(["invoice", "credit_note"]),
    number: z.string().nullable().meta({ description: "Given at issue (series-year-sequence, no gaps); null on a draft" }),
    customer_id: z.string(),
    status: z.enum(INVOICE_STATUSES),
    period_start: z.string(),
    period_end: z.string(),
    currency: z.string(),
    subtotal_amount: z.number().int(),
    tax_amount: z.number().int(),
    total_amount: z.number().int(),
    amount_due: z.number().int(),
    due_date: z.string().nullable(),
    issued_at: z.string().nullable(),
    voided_at: z.string().nullable(),
    credits_invoice_id: z.string().nullable(),
    reason: z.string().nullable(),
    created_at: z.string(),
    lines: z.array(InvoiceLine),
    credit_notes: z.array(z.object({ id: z.string(), number: z.string().nullable(), total_amount: z.number().int() })),
  })
  .meta({ id: "Invoice" });
export type InvoiceView = z.infer<typeof Invoice>;
