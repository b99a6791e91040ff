import { abortUnlessChanged } from "../../../db/guard";
import { getInvoice } from "../../../db/queries/invoices";
import { Conflict, NotFound } from "../../../lib/errors";
import type { WriteContext } from "../../context";
import type { InvoiceView } from "./schemas";
import { changeInvoice, invoiceActivity } from "./support";

/**
 * Voids an invoice. A draft gives its transactions back (the next invoice of the period takes them).
 * An issued invoice keeps its number (numbers have no gaps) and its transactions stay invoiced: what
 * should still be billed is charged again by a new transaction. A paid invoice, a credited one and a
 * credit note are corrected by a credit note instead.
 */
export async function voidInvoice(ctx: WriteContext, id: string, reason: string | null): Promise<InvoiceView> {
  const invoice = await getInvoice(ctx.db, id);
  if (invoice?.kind !== "invoice") throw new NotFound("No invoice with this id.");
  if (invoice.status === "void") throw new Conflict("This invoice is already void.", { current_status: "void" });
  if (invoice.status === "paid") throw new Conflict("A paid invoice cannot be voided; issue a credit note.", { current_status: "paid" });
  if (invoice.credit_notes.length > 0) throw new Conflict("This invoice has credit notes; credit the rest instead of voiding it.");
  const paid = await ctx.db.$client
    .prepare("SELECT count(*) AS n FROM payments WHERE invoice_id = ?1 AND status IN ('pending', 'succeeded')")
    .bind(id)
    .first<{ n: number }>();
  if (paid?.n) throw new Conflict("This invoice has payments; refund them and issue a credit note instead of voiding it.");
  const d1 = ctx.db.$client;
  const from = invoice.status;
  const statements: D1PreparedStatement[] = [
    d1
      // Never an invoice with money on it (a payment made or in progress): refund and credit it instead.
      .prepare(
        `UPDATE invoices SET status = 'void', voided_at = ?2, amount_due = 0, reason = ?3, updated_at = ?2
         WHERE id = ?1 AND status = ?4 AND NOT EXISTS (SELECT 1 FROM payments WHERE invoice_id = ?1 AND status IN ('pending', 'succeeded'))`,
      )
      .bind(id, ctx.now, reason, from),
    abortUnlessChanged(d1),
    // A voided draft's lines let go of their transactions.
    d1
      .prepare(
        "UPDATE invoice_lines SET active = 0 WHERE invoice_id = ?1 AND EXISTS (SELECT 1 FROM invoices WHERE id = ?1 AND status = 'void' AND number IS NULL)",
      )
      .bind(id),
    invoiceActivity(ctx, {
      id,
      customerId: invoice.customer_id,
      action: "invoice.void",
      changes: { status: { before: from, after: "void" }, ...(reason ? { reason: { before: null, after: reason } } : {}) },
    }),
  ];
  return changeInvoice(ctx, id, statements, (status) => `This invoice is now ${status}; try again.`);
}
