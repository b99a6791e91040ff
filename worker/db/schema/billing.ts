/** Invoices and credit notes, their lines, and the gap-free number sequences they are issued from. */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { transactions } from "./charging";
import { timestamps } from "./columns";
import { customers } from "./customers";

/**
 * An invoice (or a credit note, `kind`) for a customer and period. `number` is given at issue, from
 * `invoice_sequences` in the same transaction, so numbers have no gaps; drafts have none.
 */
export const invoices = sqliteTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["invoice", "credit_note"] }).notNull(),
    /** Numbering series: `INV` for invoices, `CN` for credit notes. */
    series: text("series").notNull(),
    number: text("number"),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    status: text("status", { enum: ["draft", "issued", "paid", "void"] }).notNull(),
    periodStart: text("period_start").notNull(),
    periodEnd: text("period_end").notNull(),
    currency: text("currency").notNull(),
    subtotalAmount: integer("subtotal_amount").notNull(),
    taxAmount: integer("tax_amount").notNull(),
    totalAmount: integer("total_amount").notNull(),
    amountDue: integer("amount_due").notNull(),
    dueDate: text("due_date"),
    issuedAt: text("issued_at"),
    voidedAt: text("voided_at"),
    /** A credit note: the invoice it credits, and why. */
    creditsInvoiceId: text("credits_invoice_id"),
    reason: text("reason"),
    /** The bill run that made it (null for one made by hand). */
    billRunId: text("bill_run_id"),
    /** Emailing: null (not yet), `queued` (in the outbox with its PDF), `no_recipient` (no email known). */
    emailStatus: text("email_status", { enum: ["queued", "no_recipient"] }),
    /** A receipt: the payment it was issued for (`payment:<id>`), e.g. a top-up paid by card; null for a period invoice. */
    source: text("source"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("invoices_number_unique").on(t.number),
    // One live invoice per customer, period, series and currency: a second bill run finds the first.
    uniqueIndex("invoices_period_unique")
      .on(t.customerId, t.periodStart, t.periodEnd, t.series, t.currency)
      .where(sql`${t.kind} = 'invoice' AND ${t.status} != 'void' AND ${t.source} IS NULL`),
    uniqueIndex("invoices_source_unique").on(t.source),
    index("invoices_customer_idx").on(t.customerId, t.id),
    index("invoices_status_idx").on(t.status, t.id),
    index("invoices_credits_idx").on(t.creditsInvoiceId),
    index("invoices_bill_run_idx").on(t.billRunId, t.customerId),
  ],
);

/**
 * The lines of an invoice. A line from a transaction holds it while the invoice lives (`active`): the
 * partial unique index puts each transaction on at most one live invoice, drafts included; a voided
 * draft gives its transactions back.
 */
export const invoiceLines = sqliteTable(
  "invoice_lines",
  {
    id: text("id").primaryKey(),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    position: integer("position").notNull(),
    transactionId: text("transaction_id").references(() => transactions.id),
    description: text("description").notNull(),
    /** Net amount in minor units (credits negative). */
    amount: integer("amount").notNull(),
    taxAmount: integer("tax_amount").notNull(),
    taxRateBp: integer("tax_rate_bp").notNull(),
    active: integer("active").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("invoice_lines_invoice_idx").on(t.invoiceId, t.position),
    uniqueIndex("invoice_lines_transaction_unique").on(t.transactionId).where(sql`${t.active} = 1 AND ${t.transactionId} IS NOT NULL`),
  ],
);

/** The last number issued per series and year (`INV-2026-00042`). */
export const invoiceSequences = sqliteTable(
  "invoice_sequences",
  {
    series: text("series").notNull(),
    year: integer("year").notNull(),
    last: integer("last").notNull(),
  },
  (t) => [primaryKey({ columns: [t.series, t.year] })],
);

/**
 * A bill run: every customer's invoice for one calendar month, made by a `bill_run` job in chunks of
 * customers (in id order; `cursor` is the last customer done), so a run that stops continues where
 * it stopped. Totals and invoice counts are read from the invoices it made.
 */
export const billRuns = sqliteTable(
  "bill_runs",
  {
    id: text("id").primaryKey(),
    periodStart: text("period_start").notNull(),
    periodEnd: text("period_end").notNull(),
    trigger: text("trigger", { enum: ["cron", "manual"] }).notNull(),
    /** Issue the invoices (numbers, due dates) as they are made, or leave them drafts. */
    issue: integer("issue", { mode: "boolean" }).notNull(),
    /** Email each issued invoice to the customer (the minute cron sends them, a few at a time). */
    send: integer("send", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: ["queued", "running", "completed", "failed"] }).notNull(),
    jobId: text("job_id"),
    cursor: text("cursor"),
    customersTotal: integer("customers_total").notNull(),
    customersDone: integer("customers_done").notNull(),
    /** Scratch for gap-free numbering inside one chunk's batch: the sequence before the chunk. */
    sequenceBase: integer("sequence_base"),
    createdBy: text("created_by").notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    ...timestamps,
  },
  (t) => [
    index("bill_runs_period_idx").on(t.periodStart, t.id),
    // The monthly cron makes one run per month, however often it fires.
    uniqueIndex("bill_runs_cron_unique").on(t.periodStart).where(sql`${t.trigger} = 'cron'`),
  ],
);

/** A customer a bill run could not invoice, and why (the run goes on with the others). */
export const billRunErrors = sqliteTable(
  "bill_run_errors",
  {
    billRunId: text("bill_run_id").notNull(),
    customerId: text("customer_id").notNull(),
    message: text("message").notNull(),
    at: text("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.billRunId, t.customerId] })],
);

/**
 * Promo codes: a discount a customer's order names (`promo_code`). `redemptions` is taken by a
 * conditional UPDATE (`redemptions < max_redemptions`), so a 10-use code is redeemed 10 times
 * however many orders race for it.
 */
export const promoCodes = sqliteTable(
  "promo_codes",
  {
    id: text("id").primaryKey(),
    /** Upper case, what customers type (`WELCOME10`). */
    code: text("code").notNull(),
    description: text("description"),
    kind: text("kind", { enum: ["percent", "fixed", "free_months"] }).notNull(),
    /** Percent (0–100), minor units of the product's currency off each period, or free months. */
    value: integer("value").notNull(),
    /** How many monthly periods a percent or fixed discount lasts (free months: `value`). */
    months: integer("months").notNull(),
    validFrom: text("valid_from"),
    validUntil: text("valid_until"),
    maxRedemptions: integer("max_redemptions"),
    redemptions: integer("redemptions").notNull(),
    /** Product ids the code applies to; empty: every recurring product. */
    eligibleProducts: text("eligible_products", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: ["active", "disabled"] }).notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("promo_codes_code_unique").on(t.code)],
);

/**
 * A discount on a service's recurring charges, from a promo code redeemed with its order. The bill
 * run adds it to the invoice as a discount line for each period it covers (from `starts`, a month).
 */
export const serviceDiscounts = sqliteTable(
  "service_discounts",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id").notNull(),
    customerId: text("customer_id").notNull(),
    promoCodeId: text("promo_code_id").notNull(),
    label: text("label").notNull(),
    kind: text("kind", { enum: ["percent", "fixed", "free_months"] }).notNull(),
    value: integer("value").notNull(),
    months: integer("months").notNull(),
    /** First month it applies to (YYYY-MM-01): the month of the order. */
    starts: text("starts").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("service_discounts_unique").on(t.serviceId, t.promoCodeId), index("service_discounts_customer_idx").on(t.customerId)],
);

/**
 * Stripe events received on `POST /webhooks/stripe`, signature verified: one row per event id, so a
 * delivery Stripe repeats (late, twice, out of order) is recorded once. `processed_at` is set once
 * the event's effect is applied.
 */
export const stripeEvents = sqliteTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** The id of the object the event is about (`pi_…`, `seti_…`, `ch_…`). */
    objectId: text("object_id"),
    /** When Stripe created the event (unix seconds): events are applied in the object's own order. */
    created: integer("created").notNull(),
    livemode: integer("livemode", { mode: "boolean" }).notNull(),
    payload: text("payload").notNull(),
    receivedAt: text("received_at").notNull(),
    processedAt: text("processed_at"),
  },
  (t) => [index("stripe_events_object_idx").on(t.objectId, t.created)],
);
