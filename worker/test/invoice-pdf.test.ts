import { describe, expect, it } from "vitest";
import { renderInvoicePdf } from "../domain/billing/invoices/pdf";
import type { InvoiceView } from "../domain/billing/invoices/schemas";

const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const invoice: InvoiceView = {
  id: "inv_pdf",
  kind: "invoice",
  number: "INV-2026-00001",
  customer_id: "cus_pdf",
  status: "issued",
  period_start: "2026-12-01",
  period_end: "2026-12-31",
  currency: "EUR",
  subtotal_amount: 1000,
  tax_amount: 200,
  total_amount: 1200,
  amount_due: 1200,
  due_date: "2026-12-31",
  issued_at: "2026-12-01T10:00:00.000Z",
  voided_at: null,
  credits_invoice_id: null,
  reason: null,
  created_at: "2026-12-01T10:00:00.000Z",
  lines: [{ id: "inl_1", description: "Plan — 2026-12", amount: 1000, tax_amount: 200, tax_rate_bp: 2000, transaction_id: null }],
  credit_notes: [],
};

const render = (logo: string | null) =>
  renderInvoicePdf({
    invoice,
    customer: { name: "Customer", lines: [] },
    locale: "en-GB",
    settings: { operator_name: "Op", legal_name: null, legal_address: null, vat_number: null, support_email: null, website: null, logo },
  });

describe("invoice PDF", () => {
  it("embeds the operator's logo from settings when it is a PNG or JPEG data URI, and renders without one otherwise", async () => {
    const latin = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
    expect(latin(await render(`data:image/png;base64,${PNG_1PX}`))).toContain("/Subtype /Image");
    for (const logo of [null, "https://example.com/logo.png", "data:image/svg+xml;base64,PHN2Zy8+", "data:image/png;base64,bm90IGEgcG5n"]) {
      const pdf = await render(logo);
      expect(latin(pdf.slice(0, 5))).toBe("%PDF-");
      expect(latin(pdf)).not.toContain("/Subtype /Image");
    }
  });
});
