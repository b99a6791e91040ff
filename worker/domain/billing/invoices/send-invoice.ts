import { prepared } from "../../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../../db/guard";
import { findCustomerRow } from "../../../db/queries/customers";
import { getInvoice } from "../../../db/queries/invoices";
import { emailOutbox } from "../../../db/schema";
import { Conflict, Invalid, NotFound } from "../../../lib/errors";
import type { WriteContext } from "../../context";
import { emailRow } from "../../email/outbox";
import { invoiceEmail } from "../../email/templates";
import { balanceRecipient } from "../../services/support";
import type { SettingsData } from "../../settings/schemas";
import { invoiceActivity } from "./support";

/**
 * Emails an issued invoice or credit note to the customer's billing contact (else the primary one,
 * else any contact with an email), its PDF attached by reference: the outbox sends it through
 * Mailjet with retries, reading the stored PDF (`pdfKey`, which the caller has stored) when it
 * sends. `to` overrides the recipient. `once` (the bill run's mailing): only if it was never emailed
 * (409 otherwise), decided in the same batch as the outbox row, so it is queued once.
 */
export async function sendInvoice(
  ctx: WriteContext,
  id: string,
  p: {
    pdfKey: string;
    filename: string;
    to?: string | null;
    brand: SettingsData;
    formatTotal: (minor: number, currency: string, locale: string) => string;
    once?: boolean;
  },
): Promise<{ email_id: string; to: string }> {
  const invoice = await getInvoice(ctx.db, id);
  if (!invoice) throw new NotFound("No invoice with this id.");
  if (invoice.status === "draft") throw new Conflict("Issue the invoice before sending it (a draft has no number yet).", { current_status: "draft" });
  const [customer, contact] = await Promise.all([
    findCustomerRow(ctx.db, invoice.customer_id),
    balanceRecipient(ctx, { customer_id: invoice.customer_id, contact_id: null }),
  ]);
  const to = p.to ?? contact?.email ?? null;
  if (!to) throw new Invalid("This customer has no contact with an email address; give one.", [{ path: "to", message: "No billing email known" }]);
  const locale = customer?.locale ?? p.brand.default_locale;
  const name = (p.to ? null : contact ? [contact.firstName, contact.lastName].filter(Boolean).join(" ") : null) ?? customer?.name ?? "";
  const row = {
    ...emailRow(
      ctx.now,
      { email: to, name },
      invoiceEmail(p.brand, {
        name: name || (customer?.name ?? ""),
        number: invoice.number ?? invoice.id,
        creditNote: invoice.kind === "credit_note",
        total: p.formatTotal(invoice.total_amount, invoice.currency, locale),
        dueDate: invoice.due_date,
        locale,
      }),
    ),
    attachments: [{ store: "invoice_files" as const, key: p.pdfKey, filename: p.filename, content_type: "application/pdf" }],
  };
  const d1 = ctx.db.$client;
  try {
    await d1.batch([
      d1.prepare(`UPDATE invoices SET email_status = 'queued' WHERE id = ?1${p.once ? " AND email_status IS NULL" : ""}`).bind(id),
      abortUnlessChanged(d1),
      prepared(d1, ctx.db.insert(emailOutbox).values(row)),
      invoiceActivity(ctx, { id, customerId: invoice.customer_id, action: "invoice.send", after: { to, email: row.id } }),
    ]);
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict("This invoice was already emailed.");
    throw error;
  }
  return { email_id: row.id, to };
}
