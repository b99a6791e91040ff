/**
 * Payments: saved cards (Stripe PaymentMethods, never card numbers), payments (one row per attempt,
 * by card through Stripe or recorded by hand), refunds and dunning. Every movement of money here is
 * one row; a payment's effect on its invoice is applied in the same D1 transaction that moves the
 * payment to `succeeded`, guarded, so it happens once whatever repeats it.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { customers } from "./customers";

/** A card saved for a customer: Stripe holds it; we keep what a person needs to recognise it. */
export const paymentMethods = sqliteTable(
  "payment_methods",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    stripePaymentMethodId: text("stripe_payment_method_id").notNull(),
    brand: text("brand").notNull(),
    last4: text("last4").notNull(),
    expMonth: integer("exp_month").notNull(),
    expYear: integer("exp_year").notNull(),
    nickname: text("nickname"),
    isDefault: integer("is_default", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["active", "removed"] }).notNull(),
    /** When the "your card expires soon" email was queued (once per card). */
    expiryRemindedAt: text("expiry_reminded_at"),
    removedAt: text("removed_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("payment_methods_stripe_unique").on(t.stripePaymentMethodId),
    index("payment_methods_customer_idx").on(t.customerId, t.status),
    index("payment_methods_expiry_idx").on(t.status, t.expYear, t.expMonth),
  ],
);

/**
 * One payment attempt. `pending`: written before Stripe is called (its id is the Idempotency-Key),
 * so a crash or timeout leaves a row the janitor resolves by asking Stripe — never by charging again.
 * `purpose` `invoice` pays `invoice_id`; `top_up` credits `service_id` once it succeeded.
 */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    purpose: text("purpose", { enum: ["invoice", "top_up"] }).notNull(),
    invoiceId: text("invoice_id"),
    serviceId: text("service_id"),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    method: text("method", { enum: ["card", "cash", "bank_transfer"] }).notNull(),
    paymentMethodId: text("payment_method_id"),
    /** The Stripe PaymentIntent (`pi_…`), once known. */
    providerId: text("provider_id"),
    /** A manual payment's reference (receipt number, bank reference). */
    reference: text("reference"),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    /** Sum of this payment's refunds that are not failed: taken before Stripe is asked, so concurrent refunds never pass `amount`. */
    refundedAmount: integer("refunded_amount").notNull(),
    /** A top-up: what is credited once paid (`{amount, currency}`, `{product_id}` or `{days}`), and when it was. */
    topUp: text("top_up", { mode: "json" }).$type<{ amount: number; currency: string } | { product_id: string } | { days: number }>(),
    toppedUpAt: text("topped_up_at"),
    /** The top-up's provisioning job: it succeeded → a receipt invoice (`invoice_id`); it failed → the payment is refunded. */
    topUpJobId: text("top_up_job_id"),
    /** Started by dunning (its retry) or auto-pay rather than a person. */
    origin: text("origin", { enum: ["manual", "auto_pay", "dunning", "portal", "topup_page"] }).notNull(),
    /** The caller's Idempotency-Key of a paid top-up (`<principal>:<key>`): the same request never makes a second payment. */
    requestKey: text("request_key"),
    createdBy: text("created_by").notNull(),
    succeededAt: text("succeeded_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("payments_provider_unique").on(t.providerId).where(sql`${t.providerId} IS NOT NULL`),
    uniqueIndex("payments_request_key_unique").on(t.requestKey).where(sql`${t.requestKey} IS NOT NULL`),
    index("payments_customer_idx").on(t.customerId, t.id),
    index("payments_invoice_idx").on(t.invoiceId, t.status),
    index("payments_status_idx").on(t.status, t.updatedAt),
  ],
);

/** A refund of (part of) a payment; by card through Stripe (`re_…`), or recorded for a manual one. */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    paymentId: text("payment_id")
      .notNull()
      .references(() => payments.id),
    customerId: text("customer_id").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    reason: text("reason").notNull(),
    providerId: text("provider_id"),
    /** The credit note that shows it on the invoice. */
    creditNoteId: text("credit_note_id"),
    failureMessage: text("failure_message"),
    createdBy: text("created_by").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("refunds_provider_unique").on(t.providerId).where(sql`${t.providerId} IS NOT NULL`),
    index("refunds_payment_idx").on(t.paymentId),
    index("refunds_status_idx").on(t.status, t.updatedAt),
  ],
);

/**
 * Dunning of an invoice whose payment failed: which step of the schedule it is at, when the next
 * step is due, and whether the final action (suspension) was taken. Resolved when the invoice is paid.
 */
export const dunning = sqliteTable(
  "dunning",
  {
    invoiceId: text("invoice_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    status: text("status", { enum: ["active", "suspended", "resolved"] }).notNull(),
    /** Steps done so far (0 = started, no retry yet). */
    step: integer("step").notNull(),
    nextAt: text("next_at"),
    lastPaymentId: text("last_payment_id"),
    suspendedAt: text("suspended_at"),
    /** The services the final action suspended (and only those are resumed when paid). */
    suspendedServices: text("suspended_services", { mode: "json" }).$type<string[]>(),
    resolvedAt: text("resolved_at"),
    ...timestamps,
  },
  (t) => [index("dunning_due_idx").on(t.status, t.nextAt), index("dunning_customer_idx").on(t.customerId)],
);
