/**
 * Invoice PDFs and where they are kept (R2, binding INVOICE_FILES; local R2 through Miniflare). An
 * issued document is rendered once and stored, so every later download is the same bytes even if
 * the settings or the customer change; a draft is rendered each time (a pro forma, never stored).
 */
import type { Db } from "../db/client";
import { findCustomerRow } from "../db/queries/customers";
import { getInvoice } from "../db/queries/invoices";
import { listSites } from "../db/queries/sites";
import { renderInvoicePdf } from "../domain/billing/invoices/pdf";
import { sendInvoice } from "../domain/billing/invoices/send-invoice";
import type { WriteContext } from "../domain/context";
import type { SettingsData } from "../domain/settings/schemas";
import { Invalid, NotFound } from "../lib/errors";
import { formatMoney } from "../views/format";

export type InvoicePdf = { bytes: Uint8Array; filename: string; stored: boolean; key: string };

/** Where an issued document's PDF is kept in the bucket. */
export const invoicePdfKey = (id: string) => `invoices/${id}.pdf`;

export async function invoicePdf(files: R2Bucket, db: Db, settings: SettingsData, id: string, customerScope: string | null = null): Promise<InvoicePdf> {
  const invoice = await getInvoice(db, id);
  if (!invoice || (customerScope !== null && invoice.customer_id !== customerScope)) throw new NotFound("No invoice with this id.");
  const filename = `${invoice.number ?? `proforma-${invoice.id}`}.pdf`;
  const key = invoicePdfKey(invoice.id);
  if (invoice.status !== "draft") {
    const kept = await files.get(key);
    if (kept) return { bytes: new Uint8Array(await kept.arrayBuffer()), filename, stored: true, key };
  }
  const [customer, sites, credited] = await Promise.all([
    findCustomerRow(db, invoice.customer_id),
    listSites(db, invoice.customer_id, 1),
    invoice.credits_invoice_id ? getInvoice(db, invoice.credits_invoice_id) : Promise.resolve(null),
  ]);
  const site = sites.data[0];
  const bytes = await renderInvoicePdf({
    invoice,
    customer: {
      name: customer?.name ?? invoice.customer_id,
      lines: site
        ? [site.address_line1, site.address_line2, [site.postal_code, site.city].filter(Boolean).join(" "), site.country].filter((l): l is string => Boolean(l))
        : [],
    },
    locale: customer?.locale ?? settings.default_locale,
    settings,
    creditedNumber: credited?.number ?? null,
    exemption:
      customer?.taxExemptionReason && customer.taxExemptionReference
        ? { reason: customer.taxExemptionReason, reference: customer.taxExemptionReference }
        : null,
  });
  if (invoice.status === "draft") return { bytes, filename, stored: false, key };
  // Stored only if absent: two first downloads at once keep one document.
  const put = await files.put(key, bytes, { httpMetadata: { contentType: "application/pdf" }, onlyIf: { etagDoesNotMatch: "*" } });
  // A null put means the precondition failed: another first download stored its bytes first, which are kept.
  const kept = put ? null : await files.get(key);
  return { bytes: kept ? new Uint8Array(await kept.arrayBuffer()) : bytes, filename, stored: true, key };
}

/** The PDF as an HTTP response (inline, so a browser shows it; the file name for saving). */
export function pdfResponse(pdf: InvoicePdf): Response {
  return new Response(pdf.bytes, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `inline; filename="${pdf.filename.replace(/[^\w.-]/g, "_")}"`,
      "Cache-Control": "private, no-store",
    },
  });
}

/** Emails an issued document with its PDF (stored first, so the outbox finds it when it sends). */
export async function emailInvoice(ctx: WriteContext, files: R2Bucket, settings: SettingsData, id: string, to: string | null, once = false) {
  const pdf = await invoicePdf(files, ctx.db, settings, id);
  return sendInvoice(ctx, id, { pdfKey: pdf.key, filename: pdf.filename, to, brand: settings, formatTotal: formatMoney, once });
}

/**
 * The minute cron's mailing of bill runs that send their invoices: up to `limit` issued invoices not
 * yet emailed, each rendered (and stored) and queued in the outbox once with its PDF; one whose
 * customer has no email address is marked `no_recipient` (the bill run page counts them).
 */
export async function emailBilledInvoices(ctx: WriteContext, files: R2Bucket, settings: SettingsData, limit = 20) {
  const { results } = await ctx.db.$client
    .prepare(
      `SELECT i.id FROM invoices i JOIN bill_runs r ON r.id = i.bill_run_id
       WHERE r.send = 1 AND i.status IN ('issued', 'paid') AND i.email_status IS NULL ORDER BY i.id LIMIT ?1`,
    )
    .bind(limit)
    .all<{ id: string }>();
  let queued = 0;
  let noRecipient = 0;
  for (const { id } of results) {
    try {
      await emailInvoice(ctx, files, settings, id, null, true);
      queued++;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await ctx.db.$client.prepare("UPDATE invoices SET email_status = 'no_recipient' WHERE id = ?1 AND email_status IS NULL").bind(id).run();
      noRecipient++;
    }
  }
  return { queued, no_recipient: noRecipient };
}
