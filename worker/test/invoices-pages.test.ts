import { describe, expect, it } from "vitest";
import { api, countRows, pageSession, unique } from "./helpers";

async function billedCustomer(amounts: number[]) {
  const customer = await api("POST", "/customers", { body: { name: unique("Page Billed"), type: "business", payment_type: "postpaid" } });
  for (const [i, amount] of amounts.entries()) {
    const t = await api("POST", "/transactions", {
      body: { customer_id: customer.body.id, kind: "charge", description: `Line ${i}`, amount, currency: "EUR" },
      headers: { "idempotency-key": `page-inv-${customer.body.id}-${i}` },
    });
    expect(t.status).toBe(201);
  }
  return customer.body.id as string;
}

const year = new Date().toISOString().slice(0, 4);

describe("invoice pages", () => {
  it("creates, issues, credits and shows an invoice; bad input is shown inline and writes nothing", async () => {
    const s = await pageSession("billing");
    const customerId = await billedCustomer([1000, 2500]);
    expect((await s.get("/admin/billing")).headers.get("location")).toBe("/admin/invoices");
    const form = await s.get(`/admin/invoices/new?customer_id=${customerId}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(`value="${customerId}"`);

    const before = await countRows("invoices");
    const bad = await s.post("/admin/invoices/new", { customer_id: customerId, period_start: `${year}-03-01`, period_end: `${year}-02-01` });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Must not be before period_start");
    const empty = await s.post("/admin/invoices/new", { customer_id: customerId, period_start: "2025-01-01", period_end: "2025-01-31" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Nothing to invoice");
    expect(await countRows("invoices")).toBe(before);

    const created = await s.post("/admin/invoices/new", { customer_id: customerId, period_start: `${year}-01-01`, period_end: `${year}-12-31` });
    expect(created.status).toBe(303);
    const path = created.headers.get("location") ?? "";
    expect(path).toMatch(/^\/admin\/invoices\/inv_/);
    const draft = await (await s.get(path)).text();
    expect(draft).toContain("Invoice (draft)");
    expect(draft).toContain("Line 0");
    expect(draft).toContain("€42.00"); // 35.00 net + 20 % tax

    const issued = await s.post(`${path}/issue`, {});
    expect(issued.status).toBe(303);
    const page = await (await s.get(issued.headers.get("location") ?? "")).text();
    expect(page).toMatch(new RegExp(`Invoice INV-${year}-\\d{5}`));
    expect(page).toMatch(new RegExp(`Invoice INV-${year}-\\d{5} issued\\.`));
    // Issuing again: the page says why, nothing changes.
    const twice = await s.post(`${path}/issue`, {});
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("only a draft can be issued");

    const badCredit = await s.post(`${path}/credit-notes`, { amount: "ten", reason: "x" });
    expect(badCredit.status).toBe(422);
    expect(await badCredit.text()).toContain("An amount such as 10.00");
    const tooMuch = await s.post(`${path}/credit-notes`, { amount: "100.00", reason: "x" });
    expect(tooMuch.status).toBe(422);
    const credit = await s.post(`${path}/credit-notes`, { amount: "12.00", reason: "Service outage" });
    expect(credit.status).toBe(303);
    const note = await (await s.get(credit.headers.get("location") ?? "")).text();
    expect(note).toMatch(new RegExp(`Credit note CN-${year}-\\d{5}`));
    expect(note).toContain("Service outage");
    const after = await (await s.get(path)).text();
    expect(after).toContain("€30.00"); // amount due: 42.00 − 12.00
    // The customer's page says what is due and lists the invoice and its credit note.
    const customerPage = await (await s.get(`/admin/customers/${customerId}`)).text();
    expect(customerPage).toContain("Due: <strong>€30.00</strong>");
    expect(customerPage).toMatch(new RegExp(`INV-${year}-\\d{5}`));

    const list = await (await s.get(`/admin/invoices?customer_id=${customerId}`)).text();
    expect(list).toMatch(new RegExp(`INV-${year}-\\d{5}`));
    expect(list).toMatch(new RegExp(`CN-${year}-\\d{5}`));
    expect((await s.get("/admin/invoices?status=draft&overdue=true&cursor=bad")).status).toBe(400);
  });

  it("voids a draft from its page; read-only staff see invoices but cannot change them", async () => {
    const admin = await pageSession("admin");
    const customerId = await billedCustomer([700]);
    const created = await admin.post("/admin/invoices/new", { customer_id: customerId, period_start: `${year}-01-01`, period_end: `${year}-12-31` });
    const path = created.headers.get("location") ?? "";
    const viewer = await pageSession("read-only");
    const seen = await viewer.get(path);
    expect(seen.status).toBe(200);
    const html = await seen.text();
    expect(html).not.toContain("Issue invoice");
    expect((await viewer.get("/admin/invoices")).status).toBe(200);
    expect((await viewer.post(`${path}/issue`, {})).status).toBe(403);
    expect((await viewer.post("/admin/invoices/new", { customer_id: customerId, period_start: `${year}-01-01`, period_end: `${year}-12-31` })).status).toBe(
      403,
    );
    const voided = await admin.post(`${path}/void`, { reason: "Wrong customer" });
    expect(voided.status).toBe(303);
    const shown = await (await admin.get(voided.headers.get("location") ?? "")).text();
    expect(shown).toMatch(/Draft invoice inv_\w+ voided\./);
    expect(shown).toContain("badge-void");
  });

  it("sets a customer's payment terms from the customer form", async () => {
    const s = await pageSession("admin");
    const customer = await api("POST", "/customers", { body: { name: unique("Terms Ltd"), type: "business" } });
    const form = { name: customer.body.name, type: "business", payment_type: "postpaid" };
    const bad = await s.post(`/admin/customers/${customer.body.id}/edit`, { ...form, payment_terms_days: "400" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("At most 365");
    expect((await s.post(`/admin/customers/${customer.body.id}/edit`, { ...form, payment_terms_days: "45" })).status).toBe(303);
    expect((await api("GET", `/customers/${customer.body.id}`)).body.payment_terms_days).toBe(45);
    expect(await (await s.get(`/admin/customers/${customer.body.id}/edit`)).text()).toContain('value="45"');
  });
});
