import { env } from "cloudflare:test";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { api, BASE, countRows, customerToken, fetchWorker, tokenFor, unique } from "./helpers";

let seq = 0;
const idem = () => ({ "idempotency-key": `invoice-${Date.now().toString(36)}-${seq++}-${Math.random().toString(36).slice(2, 8)}` });

async function customer(locale?: string): Promise<string> {
  const res = await api("POST", "/customers", { body: { name: unique("Billed"), type: "business", payment_type: "postpaid", ...(locale ? { locale } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function charge(customerId: string, amount: number, kind: "charge" | "credit" = "charge") {
  const res = await api("POST", "/transactions", {
    body: { customer_id: customerId, kind, description: `${kind} ${amount}`, amount, currency: "EUR" },
    headers: idem(),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; amount: number; tax_amount: number; date: string };
}

const today = () => new Date().toISOString().slice(0, 10);
const year = () => today().slice(0, 4);
const period = (customerId: string) => ({ customer_id: customerId, period_start: `${year()}-01-01`, period_end: `${year()}-12-31` });

describe("invoices", () => {
  it("makes a draft from uninvoiced transactions whose totals are the sums of its lines, then issues it with a number", async () => {
    const id = await customer();
    const a = await charge(id, 1000);
    const b = await charge(id, 2550);
    const c = await charge(id, 300, "credit");
    const draft = await api("POST", "/invoices", { body: period(id) });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    expect(draft.body).toMatchObject({ status: "draft", number: null, currency: "EUR", kind: "invoice" });
    expect(draft.body.lines.map((l: { transaction_id: string }) => l.transaction_id).sort()).toEqual([a.id, b.id, c.id].sort());
    // Invariant: total = Σ lines = Σ (net + tax); credits count negative.
    const lines = draft.body.lines as { amount: number; tax_amount: number }[];
    expect(draft.body.subtotal_amount).toBe(lines.reduce((s, l) => s + l.amount, 0));
    expect(draft.body.tax_amount).toBe(lines.reduce((s, l) => s + l.tax_amount, 0));
    expect(draft.body.total_amount).toBe(draft.body.subtotal_amount + draft.body.tax_amount);
    expect(draft.body.subtotal_amount).toBe(1000 + 2550 - 300);
    expect(draft.body.tax_amount).toBe(a.tax_amount + b.tax_amount - c.tax_amount);

    // The same period again: 409 naming the first; nothing written.
    const invoicesBefore = await countRows("invoices");
    const again = await api("POST", "/invoices", { body: period(id) });
    expect(again.status).toBe(409);
    expect(again.body.invoice_id).toBe(draft.body.id);
    expect(await countRows("invoices")).toBe(invoicesBefore);

    const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.number).toMatch(new RegExp(`^INV-${today().slice(0, 4)}-\\d{5}$`));
    expect(issued.body).toMatchObject({ status: "issued", amount_due: draft.body.total_amount });
    expect(issued.body.due_date > today()).toBe(true);
    // The transactions are marked invoiced (once: the database refuses to move them).
    const txn = await api("GET", `/transactions/${a.id}`);
    expect(txn.body.invoice_id).toBe(draft.body.id);
    expect((await api("POST", `/invoices/${draft.body.id}/issue`)).status).toBe(409);
    const activity = await env.DB.prepare("SELECT action FROM activity_log WHERE entity = 'invoice' AND entity_id = ? ORDER BY id")
      .bind(draft.body.id)
      .all<{ action: string }>();
    expect(activity.results.map((r) => r.action)).toEqual(["invoice.create", "invoice.issue"]);
  });

  it("puts a transaction on at most one live invoice; a voided draft gives its transactions back", async () => {
    const id = await customer();
    const t = await charge(id, 1234);
    const first = await api("POST", "/invoices", { body: { customer_id: id, period_start: today(), period_end: today() } });
    expect(first.status).toBe(201);
    // Another period covering the same day finds nothing left to invoice.
    const second = await api("POST", "/invoices", { body: { customer_id: id, period_start: `${year()}-01-01`, period_end: `${year()}-12-31` } });
    expect(second.status).toBe(422);
    const voided = await api("POST", `/invoices/${first.body.id}/void`, { body: { reason: "wrong period" } });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body).toMatchObject({ status: "void", number: null, amount_due: 0 });
    const third = await api("POST", "/invoices", { body: { customer_id: id, period_start: `${year()}-01-01`, period_end: `${year()}-12-31` } });
    expect(third.status).toBe(201);
    expect(third.body.lines.map((l: { transaction_id: string }) => l.transaction_id)).toEqual([t.id]);
    // Concurrent drafts over the same transactions: each transaction lands on one of them only.
    const other = await customer();
    const many = await Promise.all(Array.from({ length: 6 }, (_, i) => charge(other, 100 + i)));
    const races = await Promise.all(
      ["01-01", "01-02", "01-03"].map((start) =>
        api("POST", "/invoices", { body: { customer_id: other, period_start: `${year()}-${start}`, period_end: `${year()}-12-31` } }),
      ),
    );
    const taken = races.filter((r) => r.status === 201).flatMap((r) => r.body.lines.map((l: { transaction_id: string }) => l.transaction_id));
    expect(taken.sort()).toEqual(many.map((m) => m.id).sort());
  });

  it("numbers 50 concurrent issues without a gap or a duplicate", async () => {
    const drafts: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = await customer();
      await charge(id, 100 + i);
      const draft = await api("POST", "/invoices", { body: period(id) });
      expect(draft.status).toBe(201);
      drafts.push(draft.body.id);
    }
    const before = await env.DB.prepare("SELECT coalesce(max(last), 0) AS last FROM invoice_sequences WHERE series = 'INV'").first<{ last: number }>();
    // Each draft issued twice at once: one wins, one gets 409, no number is burnt.
    const results = await Promise.all([...drafts, ...drafts].map((id) => api("POST", `/invoices/${id}/issue`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(50);
    expect(results.filter((r) => r.status === 409)).toHaveLength(50);
    const numbers = results
      .filter((r) => r.status === 200)
      .map((r) => Number(String(r.body.number).split("-")[2]))
      .sort((x, y) => x - y);
    const start = (before?.last ?? 0) + 1;
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => start + i));
  });

  it("credits an invoice, partly then fully, never beyond its total even concurrently", async () => {
    const id = await customer();
    await charge(id, 10_000);
    const draft = await api("POST", "/invoices", { body: period(id) });
    expect((await api("POST", `/invoices/${draft.body.id}/credit-notes`, { body: { reason: "early" } })).status).toBe(409);
    const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
    const total = issued.body.total_amount as number;
    expect(total).toBe(12_000);
    const tooMuch = await api("POST", `/invoices/${draft.body.id}/credit-notes`, { body: { amount: total + 1, reason: "x" } });
    expect(tooMuch.status).toBe(422);
    const part = await api("POST", `/invoices/${draft.body.id}/credit-notes`, { body: { amount: 1_001, reason: "Outage on 3 May" } });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(part.body).toMatchObject({ kind: "credit_note", status: "issued", credits_invoice_id: draft.body.id, total_amount: 1_001 });
    expect(part.body.number).toMatch(/^CN-\d{4}-\d{5}$/);
    // Tax share of 1,001 at 20 % of 12,000 → 2,000/12,000 × 1,001 = 166.83 → 167 (half-even).
    expect(part.body.tax_amount).toBe(167);
    expect(part.body.subtotal_amount + part.body.tax_amount).toBe(1_001);
    const after = await api("GET", `/invoices/${draft.body.id}`);
    expect(after.body.amount_due).toBe(total - 1_001);
    expect(after.body.credit_notes).toHaveLength(1);
    // Ten concurrent full credits: exactly one fits.
    const rest = await Promise.all(Array.from({ length: 10 }, () => api("POST", `/invoices/${draft.body.id}/credit-notes`, { body: { reason: "rest" } })));
    expect(rest.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rest.every((r) => r.status === 201 || r.status === 409 || r.status === 422)).toBe(true);
    const final = await api("GET", `/invoices/${draft.body.id}`);
    expect(final.body.amount_due).toBe(0);
    expect(final.body.credit_notes.reduce((s: number, n: { total_amount: number }) => s + n.total_amount, 0)).toBe(total);
    expect((await api("POST", `/invoices/${draft.body.id}/void`)).status).toBe(409);
  });

  it("refuses bad input without writing, and scopes portal customers to their own invoices", async () => {
    const before = await countRows("invoices");
    const bad = [
      { customer_id: "cus_nope", period_start: "2026-01-01", period_end: "2026-01-31" },
      { customer_id: "", period_start: "2026-01-01", period_end: "2026-01-31" },
      { customer_id: "x", period_start: "2026-02-30", period_end: "2026-03-31" },
      { customer_id: "x", period_start: "2026-03-01", period_end: "2026-02-01" },
      { customer_id: "x", period_start: "2020-01-01", period_end: "2026-01-01" },
      { customer_id: "x", period_start: "2026-01-01", period_end: "2026-01-31", extra: 1 },
    ];
    for (const body of bad) expect((await api("POST", "/invoices", { body })).status, JSON.stringify(body)).toBe(422);
    expect((await api("POST", "/invoices/inv_nope/issue")).status).toBe(404);
    expect((await api("POST", "/invoices/inv_nope/credit-notes", { body: { amount: 1.5, reason: "x" } })).status).toBe(422);
    expect(await countRows("invoices")).toBe(before);

    const mine = await customerToken();
    const theirs = await customer();
    await charge(mine.customerId, 500);
    await charge(theirs, 700);
    const myInvoice = await api("POST", "/invoices", { body: period(mine.customerId) });
    const theirInvoice = await api("POST", "/invoices", { body: period(theirs) });
    const auth = { authorization: `Bearer ${mine.token}` };
    const list = await api("GET", "/invoices", { role: null, headers: auth });
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([myInvoice.body.id]);
    expect((await api("GET", `/invoices/${theirInvoice.body.id}`, { role: null, headers: auth })).status).toBe(404);
    expect((await api("GET", `/invoices?customer_id=${theirs}`, { role: null, headers: auth })).body.data).toEqual([]);
    expect((await api("POST", `/invoices/${myInvoice.body.id}/issue`, { role: null, headers: auth })).status).toBe(403);
    expect((await api("POST", "/invoices", { body: period(theirs), role: "support" })).status).toBe(403);
  });

  it("renders the PDF in the customer's language, keeps an issued one so every download is the same bytes", async () => {
    const pdfOf = async (id: string, token?: string) => {
      const res = await fetchWorker(`${BASE}/api/v1/invoices/${id}/pdf`, { headers: { authorization: `Bearer ${token ?? (await tokenFor("admin"))}` } });
      return { status: res.status, type: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()) };
    };
    const fr = await customer("fr-FR");
    await api("POST", `/customers/${fr}/sites`, {
      body: { name: "Siège", address_line1: "3 rue de la République", city: "Lyon", postal_code: "69002", country: "FR" },
    });
    await charge(fr, 4200);
    const draft = await api("POST", "/invoices", { body: period(fr) });
    const proforma = await pdfOf(draft.body.id);
    expect(proforma.status).toBe(200);
    expect(proforma.type).toBe("application/pdf");
    expect(new TextDecoder().decode(proforma.bytes.slice(0, 5))).toBe("%PDF-");
    expect((await PDFDocument.load(proforma.bytes)).getTitle()).toBe(`FACTURE PRO FORMA ${draft.body.id}`);
    expect(await env.INVOICE_FILES.get(`invoices/${draft.body.id}.pdf`)).toBeNull();

    const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
    const first = await pdfOf(draft.body.id);
    expect((await PDFDocument.load(first.bytes)).getTitle()).toBe(`FACTURE ${issued.body.number}`);
    expect(await env.INVOICE_FILES.get(`invoices/${draft.body.id}.pdf`)).not.toBeNull();
    // Renamed customer, same document: the stored bytes are served again.
    await api("PATCH", `/customers/${fr}`, { body: { name: "Renamed Later" } });
    const second = await pdfOf(draft.body.id);
    expect(second.bytes).toEqual(first.bytes);

    const en = await customer("en-GB");
    await charge(en, 100);
    const enInvoice = await api("POST", "/invoices", { body: period(en) });
    await api("POST", `/invoices/${enInvoice.body.id}/issue`);
    const credit = await api("POST", `/invoices/${enInvoice.body.id}/credit-notes`, { body: { reason: "Goodwill" } });
    expect((await PDFDocument.load((await pdfOf(credit.body.id)).bytes)).getTitle()).toBe(`CREDIT NOTE ${credit.body.number}`);

    const portal = await customerToken();
    expect((await pdfOf(draft.body.id, portal.token)).status).toBe(404);
    expect((await pdfOf("inv_nope")).status).toBe(404);
  });

  it("emails an issued invoice to the billing contact with its stored PDF attached by reference", async () => {
    const id = await customer("fr-FR");
    await api("POST", `/customers/${id}/contacts`, { body: { first_name: "Ana", email: "ana@example.org", roles: ["primary"] } });
    await api("POST", `/customers/${id}/contacts`, { body: { first_name: "Bill", last_name: "Payer", email: "bill@example.org", roles: ["billing"] } });
    await charge(id, 990);
    const draft = await api("POST", "/invoices", { body: period(id) });
    const before = await countRows("email_outbox");
    expect((await api("POST", `/invoices/${draft.body.id}/send`)).status).toBe(409);
    expect((await api("POST", `/invoices/${draft.body.id}/send`, { body: { to: "not-an-email" } })).status).toBe(422);
    expect(await countRows("email_outbox")).toBe(before);
    const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
    const sent = await api("POST", `/invoices/${draft.body.id}/send`);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.to).toBe("bill@example.org");
    const row = await env.DB.prepare("SELECT to_email, to_name, subject, text_body, attachments FROM email_outbox WHERE id = ?")
      .bind(sent.body.email_id)
      .first<{ to_email: string; to_name: string; subject: string; text_body: string; attachments: string }>();
    expect(row).toMatchObject({ to_email: "bill@example.org", to_name: "Bill Payer" });
    expect(row?.subject).toContain(`Votre facture ${issued.body.number}`);
    expect(row?.text_body).toContain("11,88"); // 9.90 + 20 %, in French
    const due = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${issued.body.due_date}T00:00:00Z`));
    expect(row?.text_body).toContain(`échéance : ${due}`);
    const [attachment] = JSON.parse(row?.attachments ?? "[]") as { key: string; filename: string; content_type: string }[];
    expect(attachment).toMatchObject({ key: `invoices/${draft.body.id}.pdf`, filename: `${issued.body.number}.pdf`, content_type: "application/pdf" });
    // The PDF the outbox will attach is already stored.
    expect(await env.INVOICE_FILES.get(attachment?.key ?? "")).not.toBeNull();
    const other = await api("POST", `/invoices/${draft.body.id}/send`, { body: { to: "accounts@example.org" } });
    expect(other.body.to).toBe("accounts@example.org");
    const noContact = await customer();
    await charge(noContact, 100);
    const lonely = await api("POST", "/invoices", { body: period(noContact) });
    await api("POST", `/invoices/${lonely.body.id}/issue`);
    expect((await api("POST", `/invoices/${lonely.body.id}/send`)).status).toBe(422);
  });

  it("gives the due date from the customer's payment terms (30 days without)", async () => {
    const id = await customer();
    expect((await api("PATCH", `/customers/${id}`, { body: { payment_terms_days: 366 } })).status).toBe(422);
    expect((await api("PATCH", `/customers/${id}`, { body: { payment_terms_days: 1.5 } })).status).toBe(422);
    const patched = await api("PATCH", `/customers/${id}`, { body: { payment_terms_days: 14 } });
    expect(patched.body.payment_terms_days).toBe(14);
    await charge(id, 100);
    const draft = await api("POST", "/invoices", { body: period(id) });
    const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
    const inDays = (n: number) => new Date(Date.parse(issued.body.issued_at) + n * 86_400_000).toISOString().slice(0, 10);
    expect(issued.body.due_date).toBe(inDays(14));
    const other = await customer();
    await charge(other, 100);
    const second = await api("POST", "/invoices", { body: period(other) });
    const defaulted = await api("POST", `/invoices/${second.body.id}/issue`);
    expect(defaulted.body.due_date).toBe(new Date(Date.parse(defaulted.body.issued_at) + 30 * 86_400_000).toISOString().slice(0, 10));
  });
});
