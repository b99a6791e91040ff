/** The payments pages: cards on the customer page, paying and refunding from the invoice page, the lists. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, pageSession, unique } from "./helpers";

let seq = 0;
const idem = () => ({ "idempotency-key": `pay-page-${Date.now().toString(36)}-${seq++}` });

async function issuedInvoice(customerId: string, amount: number) {
  const txn = await api("POST", "/transactions", {
    body: { customer_id: customerId, kind: "charge", description: "Line", amount, currency: "EUR" },
    headers: idem(),
  });
  const draft = await api("POST", "/invoices", { body: { customer_id: customerId, period_start: txn.body.date, period_end: txn.body.date } });
  return (await api("POST", `/invoices/${draft.body.id}/issue`)).body as { id: string; total_amount: number };
}

describe("payments pages", () => {
  it("saves a test card and turns auto-pay on from the customer page, pays and refunds from the invoice page", async () => {
    const s = await pageSession("billing");
    const customer = (await api("POST", "/customers", { body: { name: unique("Page payer"), type: "business" } })).body;
    const page = await (await s.get(`/admin/customers/${customer.id}`)).text();
    expect(page).toContain('id="payments-card"');
    expect(page).toContain("No saved card.");
    expect(page).toContain('value="pm_card_visa"');

    const saved = await s.post(`/admin/customers/${customer.id}/payment-methods`, { stripe_payment_method_id: "pm_card_visa", nickname: "Office" });
    expect(saved.status).toBe(303);
    const after = await (await s.get(saved.headers.get("location") ?? "")).text();
    expect(after).toContain("Card saved for Page payer");
    expect(after).toContain("Visa •••• 4242 · Office");
    // A declined card: the page again with the reason, nothing saved.
    const declined = await s.post(`/admin/customers/${customer.id}/payment-methods`, { stripe_payment_method_id: "pm_card_chargeDeclined" });
    expect(declined.status).toBe(422);
    expect(await declined.text()).toContain("alert error");
    expect((await s.post(`/admin/customers/${customer.id}/auto-pay`, { auto_pay: "true" })).status).toBe(303);
    expect((await api("GET", `/customers/${customer.id}`)).body.auto_pay).toBe(true);

    const invoice = await issuedInvoice(customer.id, 2500);
    const invoicePage = await (await s.get(`/admin/invoices/${invoice.id}`)).text();
    expect(invoicePage).toContain("Charge card");
    expect(invoicePage).toContain("Record payment");
    // A bad amount: inline error, nothing paid.
    const bad = await s.post(`/admin/invoices/${invoice.id}/payments`, { method: "card", amount: "12,345.678" });
    expect(bad.status).toBe(422);
    const paid = await s.post(`/admin/invoices/${invoice.id}/payments`, { method: "card", amount: "" });
    expect(paid.status).toBe(303);
    const paidPage = await (await s.get(paid.headers.get("location") ?? "")).text();
    expect(paidPage).toMatch(/Payment of €[\d.,]+ recorded on Invoice INV-/);
    expect(paidPage).toContain("succeeded");
    const payment = (await api("GET", `/payments?invoice_id=${invoice.id}`)).body.data[0];
    expect(payment).toMatchObject({ status: "succeeded", amount: invoice.total_amount });

    const refund = await s.post("/admin/payments/refund", { payment_id: payment.id, amount: "5.00", reason: "Goodwill" });
    expect(refund.status).toBe(303);
    expect(await (await s.get(refund.headers.get("location") ?? "")).text()).toContain(`Refund of €5.00 made on payment ${payment.id}.`);
    const refunded = (await api("GET", `/payments/${payment.id}`)).body;
    expect(refunded.refunded_amount).toBe(500);
    expect(refunded.refunds[0].credit_note_id).toBeTruthy();
    const missingReason = await s.post("/admin/payments/refund", { payment_id: payment.id, amount: "1.00", reason: "" });
    expect(missingReason.status).toBe(422);
    const shortReason = await s.post("/admin/payments/refund", { payment_id: payment.id, amount: "1.00", reason: "ok" });
    expect(shortReason.status).toBe(422);
    expect(await shortReason.text()).toContain("Refund: Give a reason of at least 3 characters.");
    expect((await api("GET", `/payments/${payment.id}`)).body.refunded_amount).toBe(500);

    const list = await (await s.get("/admin/payments")).text();
    expect(list).toContain(invoice.id);
    const expiring = await s.get("/admin/payments/expiring-cards");
    expect(expiring.status).toBe(200);
    const activity = await env.DB.prepare("SELECT count(*) AS n FROM activity_log WHERE customer_id = ? AND entity IN ('payment', 'payment_method')")
      .bind(customer.id)
      .first<{ n: number }>();
    expect(activity?.n).toBeGreaterThanOrEqual(4);
  });

  it("records a bank transfer only for staff with payments:manual, and shows dunning settings", async () => {
    const customer = (await api("POST", "/customers", { body: { name: unique("Transfer payer"), type: "business" } })).body;
    const invoice = await issuedInvoice(customer.id, 1000);
    const support = await pageSession("support");
    expect(await (await support.get(`/admin/invoices/${invoice.id}`)).text()).not.toContain("Record payment");
    const billing = await pageSession("billing");
    const missing = await billing.post(`/admin/invoices/${invoice.id}/payments`, { method: "bank_transfer", reference: "" });
    expect(missing.status).toBe(422);
    const ok = await billing.post(`/admin/invoices/${invoice.id}/payments`, { method: "bank_transfer", reference: "SEPA-42" });
    expect(ok.status).toBe(303);
    expect((await api("GET", `/invoices/${invoice.id}`)).body.status).toBe("paid");
    const admin = await pageSession("admin");
    const settings = await (await admin.get("/admin/settings")).text();
    expect(settings).toContain('name="dunning_retry_days"');
    const refused = await admin.post("/admin/settings", {
      operator_name: "Open BSS",
      primary_color: "#1d4ed8",
      accent_color: "#0f766e",
      default_currency: "EUR",
      default_locale: "en-GB",
      default_timezone: "Europe/Paris",
      session_idle_minutes: "120",
      session_absolute_hours: "12",
      remember_me_days: "30",
      sim_on_termination: "retire",
      dunning_retry_days: "3, 7",
      dunning_suspend_after_days: "5",
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("last retry");
  });

  it("shows dunning on the invoice and customer pages and takes its next step on demand; tops up a service paid by card", async () => {
    const s = await pageSession("billing");
    const customer = (await api("POST", "/customers", { body: { name: unique("Dunned payer"), type: "business" } })).body;
    expect((await s.post(`/admin/customers/${customer.id}/payment-methods`, { stripe_payment_method_id: "pm_card_chargeCustomerFail" })).status).toBe(303);
    const invoice = await issuedInvoice(customer.id, 1500);
    const declined = await s.post(`/admin/invoices/${invoice.id}/payments`, { method: "card" });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain("declined");
    const page = await (await s.get(`/admin/invoices/${invoice.id}`)).text();
    expect(page).toContain('id="dunning"');
    expect(page).toContain("Take the next step now");
    expect(await (await s.get(`/admin/customers/${customer.id}`)).text()).toContain("Invoice in dunning");
    const step = await s.post(`/admin/invoices/${invoice.id}/dunning-step`, {});
    expect(step.status).toBe(303);
    const attempts = (await api("GET", `/payments?invoice_id=${invoice.id}`)).body.data.map(
      (p: { origin: string; status: string }) => `${p.origin}:${p.status}`,
    );
    expect(attempts.sort()).toEqual(["dunning:failed", "manual:failed"]);

    // The service page: a top-up paid by a saved card.
    const { product, service } = await import("./billing-helpers");
    const plan = await product(0);
    const serviceId = await service(customer.id, plan.id, new Date().toISOString());
    expect((await s.post(`/admin/customers/${customer.id}/payment-methods`, { stripe_payment_method_id: "pm_card_visa" })).status).toBe(303);
    const visa = (await api("GET", `/customers/${customer.id}/payment-methods`)).body.data.find((c: { last4: string }) => c.last4 === "4242");
    const admin = await pageSession("admin");
    const servicePage = await (await admin.get(`/admin/services/${serviceId}`)).text();
    expect(servicePage).toContain('name="payment_method"');
    const topped = await admin.post(`/admin/services/${serviceId}/top-ups`, { amount: "5.00", payment_method: visa.id, key: `k-${Date.now()}` });
    expect(topped.status).toBe(303);
    const paid = (await api("GET", `/payments?customer_id=${customer.id}&status=succeeded`)).body.data;
    expect(paid.find((p: { purpose: string; amount: number }) => p.purpose === "top_up")).toMatchObject({ amount: 600 });
  });
});
