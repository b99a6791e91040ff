import { abortUnlessChanged } from "../../../db/guard";
import { findCustomerRow } from "../../../db/queries/customers";
import { getInvoiceRow } from "../../../db/queries/invoices";
import { Conflict, NotFound } from "../../../lib/errors";
import type { WriteContext } from "../../context";
import { numberingStatements } from "./numbering";
import type { InvoiceView } from "./schemas";
import { changeInvoice, invoiceActivity } from "./support";

/** Days between issue and due date when the customer has no payment terms of their own. */
export const PAYMENT_TERMS_DAYS = 30;

/**
 * Issues a draft: it takes the next number of its series for the year of issue, its due date, and
 * marks its transactions invoiced (which the database lets happen once per transaction) — all in one
 * D1 transaction, conditional on the invoice still being a draft, so two concurrent issues of the
 * same draft give it one number and burn none.
 */
export async function issueInvoice(ctx: WriteContext, id: string): Promise<InvoiceView> {
  const invoice = await getInvoiceRow(ctx.db, id);
  if (invoice?.kind !== "invoice") throw new NotFound("No invoice with this id.");
  if (invoice.status !== "draft") throw new Conflict(`This invoice is ${invoice.status}; only a draft can be issued.`, { current_status: invoice.status });
  const d1 = ctx.db.$client;
  const customer = await findCustomerRow(ctx.db, invoice.customerId);
  const terms = customer?.paymentTermsDays ?? PAYMENT_TERMS_DAYS;
  const due = new Date(Date.parse(ctx.now) + terms * 86_400_000).toISOString().slice(0, 10);
  const statements: D1PreparedStatement[] = [
    ...numberingStatements(d1, {
      documentId: id,
      series: invoice.series,
      year: Number(ctx.now.slice(0, 4)),
      condition: "status = 'draft'",
      set: "status = 'issued', issued_at = ?4, due_date = ?5, updated_at = ?4",
      params: [ctx.now, due],
    }),
    // Another request issued or voided it first: nothing of this one is written (no number taken).
    abortUnlessChanged(d1),
    d1
      .prepare(
        `UPDATE transactions SET invoice_id = ?1
         WHERE id IN (SELECT transaction_id FROM invoice_lines WHERE invoice_id = ?1 AND active = 1 AND transaction_id IS NOT NULL)
           AND invoice_id IS NULL`,
      )
      .bind(id),
    invoiceActivity(ctx, { id, customerId: invoice.customerId, action: "invoice.issue", changes: { status: { before: "draft", after: "issued" } } }),
  ];
  return changeInvoice(ctx, id, statements, (status) => `This invoice is ${status}; only a draft can be issued.`);
}
