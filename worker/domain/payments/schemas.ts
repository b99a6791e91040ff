import { z } from "zod";
import { optionalText, refId, requiredText } from "../validation";

const minor = z.number().int({ message: "Minor units: a whole number" }).positive({ message: "Must be more than 0" }).max(1_000_000_000_00);

export const PaymentMethodCreate = z
  .strictObject({
    stripe_payment_method_id: z
      .string()
      .trim()
      .regex(/^pm_[A-Za-z0-9_]{3,120}$/, { message: "A Stripe PaymentMethod id (pm_…), from Stripe Elements or a test id such as pm_card_visa" }),
    nickname: optionalText(60),
    default: z.boolean().optional().meta({ description: "Make it the default card (the first card always is)" }),
  })
  .meta({ id: "PaymentMethodCreate" });
export type PaymentMethodCreateInput = z.infer<typeof PaymentMethodCreate>;

export const PaymentMethodPatch = z
  .strictObject({ nickname: optionalText(60), default: z.literal(true).optional().meta({ description: "Make it the default card" }) })
  .meta({ id: "PaymentMethodPatch" });
export type PaymentMethodPatchInput = z.infer<typeof PaymentMethodPatch>;

export const PaymentMethod = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    stripe_payment_method_id: z.string(),
    brand: z.string(),
    last4: z.string(),
    exp_month: z.number().int(),
    exp_year: z.number().int(),
    nickname: z.string().nullable(),
    default: z.boolean(),
    status: z.enum(["active", "removed"]),
    expires_soon: z.boolean().meta({ description: "Expires within 60 days" }),
    created_at: z.string(),
  })
  .meta({ id: "PaymentMethod" });
export type PaymentMethodView = z.infer<typeof PaymentMethod>;

export const PAYMENT_METHODS = ["card", "cash", "bank_transfer"] as const;

export const PaymentCreate = z
  .strictObject({
    invoice_id: refId,
    amount: minor.optional().meta({ description: "Minor units; the invoice's amount due when omitted (a partial payment leaves it issued)" }),
    method: z.enum(PAYMENT_METHODS).optional().meta({ description: "card (default), or cash / bank_transfer recorded by hand (`payments:manual`)" }),
    payment_method_id: refId.optional().meta({ description: "A saved card (pmt_…); the customer's default card when omitted" }),
    reference: optionalText(120).meta({ description: "Receipt or bank reference: required for cash and bank transfers" }),
  })
  .superRefine((v, ctx) => {
    const manual = v.method === "cash" || v.method === "bank_transfer";
    if (manual && !v.reference) ctx.addIssue({ code: "custom", path: ["reference"], message: "Required for a cash or bank-transfer payment" });
    if (manual && v.payment_method_id) ctx.addIssue({ code: "custom", path: ["payment_method_id"], message: "Only for card payments" });
  })
  .meta({ id: "PaymentCreate" });
export type PaymentCreateInput = z.infer<typeof PaymentCreate>;

export const RefundCreate = z
  .strictObject({
    amount: minor.optional().meta({ description: "Minor units; what is left to refund when omitted" }),
    reason: requiredText(500),
  })
  .meta({ id: "RefundCreate" });
export type RefundCreateInput = z.infer<typeof RefundCreate>;

export const Refund = z
  .object({
    id: z.string(),
    payment_id: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    reason: z.string(),
    provider_id: z.string().nullable(),
    credit_note_id: z.string().nullable(),
    failure_message: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "Refund" });
export type RefundView = z.infer<typeof Refund>;

export const Payment = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    purpose: z.enum(["invoice", "top_up"]),
    invoice_id: z.string().nullable(),
    service_id: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]).meta({
      description: "pending: Stripe's answer is not known yet (the janitor asks Stripe; never charged twice)",
    }),
    method: z.enum(PAYMENT_METHODS),
    payment_method_id: z.string().nullable(),
    card: z.object({ brand: z.string(), last4: z.string() }).nullable(),
    provider_id: z.string().nullable().meta({ description: "The Stripe PaymentIntent (pi_…)" }),
    reference: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    refunded_amount: z.number().int(),
    origin: z.enum(["manual", "auto_pay", "dunning", "portal", "topup_page"]),
    created_at: z.string(),
    succeeded_at: z.string().nullable(),
    refunds: z.array(Refund),
  })
  .meta({ id: "Payment" });
export type PaymentView = z.infer<typeof Payment>;
