import { abortUnlessChanged, isGuardAbort } from "../../../db/guard";
import { getInvoice } from "../../../db/queries/invoices";
import { Conflict, Invalid, NotFound } from "../../../lib/errors";
import { ulid } from "../../../lib/ids";
import { divideHalfEven } from "../../../lib/money";
import type { WriteContext } from "../../context";
import { CREDIT_NOTE_SERIES, numberingStatements } from "./numbering";
import type { CreditNoteCreateInput, InvoiceView } from "./schemas";
import { invoiceActivity } from "./support";

/**
 * A credit note against an issued (or paid) invoice, full (no amount) or partial, issued at once in
 * its own number series. `amount` is tax included; its tax part is the invoice's tax share of it,
 * rounded half-even. The credit notes of an invoice never add up to more than its total, however
 * many are made at once: the note is written only if it still fits, in the same D1 transaction that
 * takes its number and lowers the invoice's amount due (never below zero).
 */
export async function createCreditNote(ctx: WriteContext, invoiceId: string, input: CreditNoteCreateInput): Promise<InvoiceView> {
  const invoice = await getInvoice(ctx.db, invoiceId);
  if (invoice?.kind !== "invoice") throw new NotFound("No invoice with this id.");
  if (invoice.status !== "issued" && invoice.status !== "paid") {
    throw new Conflict(`This invoice is ${invoice.status}; only an issued or paid invoice can be credited.`, { current_status: invoice.status });
  }
  const credited = invoice.credit_notes.reduce((sum, n) => sum + n.total_amount, 0);
  const left = invoice.total_amount - credited;
  if (left <= 0) throw new Conflict("This invoice is already fully credited.");
  const amount = input.amount ?? left;
  if (amount > left) throw new Invalid(`At most ${left} (minor units) is left to credit on this invoice.`, [{ path: "amount", message: `At most ${left}` }]);
  const tax = invoice.total_amount === 0 ? 0 : Number(divideHalfEven(BigInt(amount) * BigInt(invoice.tax_amount), BigInt(invoice.total_amount)));
  const net = amount - tax;
  const id = `inv_${ulid()}`;
  const d1 = ctx.db.$client;
  const description = `Credit for invoice ${invoice.number ?? invoice.id}: ${input.reason}`;
  const fits = `(SELECT coalesce(sum(total_amount), 0) FROM invoices WHERE credits_invoice_id = ?3 AND kind = 'credit_note') + ?4 <= (SELECT total_amount FROM invoices WHERE id = ?3)`;
  const statements = [
    d1
      .prepare(
        `INSERT INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount,
           total_amount, amount_due, due_date, issued_at, voided_at, credits_invoice_id, reason, created_at, updated_at)
         SELECT ?1, 'credit_note', ?2, NULL, customer_id, 'draft', period_start, period_end, currency, ?5, ?6, ?4, 0, NULL, NULL, NULL, ?3, ?7, ?8, ?8
         FROM invoices WHERE id = ?3 AND status IN ('issued', 'paid') AND ${fits}`,
      )
      .bind(id, CREDIT_NOTE_SERIES, invoiceId, amount, net, tax, input.reason, ctx.now),
    // It no longer fits (another credit note came first): nothing of this one is written.
    abortUnlessChanged(d1),
    d1
      .prepare(
        `INSERT INTO invoice_lines (id, invoice_id, position, transaction_id, description, amount, tax_amount, tax_rate_bp, active, created_at)
         SELECT ?1 || '_1', ?1, 1, NULL, ?2, ?3, ?4, 0, 1, ?5 `,
      )
      .bind(id, description, net, tax, ctx.now),
    ...numberingStatements(d1, {
      documentId: id,
      series: CREDIT_NOTE_SERIES,
      year: Number(ctx.now.slice(0, 4)),
      condition: "status = 'draft'",
      set: "status = 'issued', issued_at = ?4, updated_at = ?4",
      params: [ctx.now],
    }),
    d1.prepare("UPDATE invoices SET amount_due = max(0, amount_due - ?2), updated_at = ?3 WHERE id = ?1").bind(invoiceId, amount, ctx.now),
    invoiceActivity(ctx, {
      id: invoiceId,
      customerId: invoice.customer_id,
      action: "invoice.credit_note",
      after: { credit_note: id, amount, tax, reason: input.reason },
    }),
  ];
  try {
    await d1.batch(statements);
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict("Another credit note was made meanwhile and this one no longer fits; look again.");
    throw error;
  }
  return (await getInvoice(ctx.db, id)) as InvoiceView;
}
