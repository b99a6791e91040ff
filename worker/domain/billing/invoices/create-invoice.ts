import { findCustomerRow } from "../../../db/queries/customers";
import { countUninvoiced, getInvoice, liveInvoiceFor } from "../../../db/queries/invoices";
import { Conflict, Invalid } from "../../../lib/errors";
import { ulid } from "../../../lib/ids";
import type { WriteContext } from "../../context";
import { INVOICE_SERIES } from "./numbering";
import type { InvoiceCreateInput, InvoiceView } from "./schemas";
import { invoiceActivity } from "./support";

/**
 * A draft invoice for a customer and period: every transaction of the period (by its date, in the
 * customer's currency) that no live invoice holds yet becomes a line, net and tax as recorded
 * (credits negative); the totals are the sums of the lines, computed in the same D1 transaction as
 * the lines are taken, so a concurrent invoice never takes the same transaction (a partial unique
 * index holds each transaction on one live invoice) and the totals always match the lines.
 * One live invoice per customer and period: asking again is a 409 naming the first.
 */
export async function createInvoice(ctx: WriteContext, input: InvoiceCreateInput): Promise<InvoiceView> {
  const customer = await findCustomerRow(ctx.db, input.customer_id);
  if (!customer) throw new Invalid("Unknown customer.", [{ path: "customer_id", message: "No such customer" }]);
  const existing = await liveInvoiceFor(ctx.db, customer.id, input.period_start, input.period_end, customer.currency);
  if (existing) throw new Conflict(`This customer already has invoice ${existing.id} for this period.`, { invoice_id: existing.id });
  if ((await countUninvoiced(ctx.db, customer.id, customer.currency, input.period_start, input.period_end)) === 0) {
    throw new Invalid("Nothing to invoice: this customer has no uninvoiced transactions in the period.", [
      { path: "period_start", message: "No uninvoiced transactions between these dates" },
    ]);
  }
  const id = `inv_${ulid()}`;
  const d1 = ctx.db.$client;
  const statements = [
    d1
      .prepare(
        `INSERT INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount,
           total_amount, amount_due, due_date, issued_at, voided_at, credits_invoice_id, reason, created_at, updated_at)
         VALUES (?1, 'invoice', ?2, NULL, ?3, 'draft', ?4, ?5, ?6, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, ?7, ?7)`,
      )
      .bind(id, INVOICE_SERIES, customer.id, input.period_start, input.period_end, customer.currency, ctx.now),
    d1
      .prepare(
        `INSERT INTO invoice_lines (id, invoice_id, position, transaction_id, description, amount, tax_amount, tax_rate_bp, active, created_at)
         SELECT 'inl_' || lower(hex(randomblob(12))), ?1, row_number() OVER (ORDER BY t.date, t.id), t.id, t.description,
                CASE t.kind WHEN 'credit' THEN -t.amount ELSE t.amount END, CASE t.kind WHEN 'credit' THEN -t.tax_amount ELSE t.tax_amount END,
                t.tax_rate_bp, 1, ?2
         FROM transactions t
         WHERE t.customer_id = ?3 AND t.currency = ?4 AND t.date BETWEEN ?5 AND ?6 AND t.invoice_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.transaction_id = t.id AND l.active = 1)`,
      )
      .bind(id, ctx.now, customer.id, customer.currency, input.period_start, input.period_end),
    totalsStatement(d1, id),
    invoiceActivity(ctx, {
      id,
      customerId: customer.id,
      action: "invoice.create",
      after: { period_start: input.period_start, period_end: input.period_end, currency: customer.currency },
    }),
  ];
  try {
    await d1.batch(statements);
  } catch (error) {
    // A concurrent request made the period's invoice first (the partial unique index).
    if (/UNIQUE constraint failed: invoices\./.test(String(error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : error))) {
      const first = await liveInvoiceFor(ctx.db, customer.id, input.period_start, input.period_end, customer.currency);
      throw new Conflict(`This customer already has invoice ${first?.id ?? ""} for this period.`, { invoice_id: first?.id ?? null });
    }
    throw error;
  }
  return (await getInvoice(ctx.db, id)) as InvoiceView;
}

/** Sets an invoice's totals from its live lines: subtotal = Σ net, tax = Σ tax, total = both, all due. */
export function totalsStatement(d1: D1Database, invoiceId: string): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE invoices SET
         subtotal_amount = (SELECT coalesce(sum(amount), 0) FROM invoice_lines WHERE invoice_id = ?1 AND active = 1),
         tax_amount = (SELECT coalesce(sum(tax_amount), 0) FROM invoice_lines WHERE invoice_id = ?1 AND active = 1),
         total_amount = (SELECT coalesce(sum(amount + tax_amount), 0) FROM invoice_lines WHERE invoice_id = ?1 AND active = 1),
         amount_due = (SELECT coalesce(sum(amount + tax_amount), 0) FROM invoice_lines WHERE invoice_id = ?1 AND active = 1)
       WHERE id = ?1`,
    )
    .bind(invoiceId);
}
