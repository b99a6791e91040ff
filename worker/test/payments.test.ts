/**
 * Payments end to end against the Stripe simulator (through the official SDK): cards, invoices paid
 * by card and by hand, refunds, webhooks, the janitor and dunning. Every money assertion is checked
 * on both sides: what our tables say and what Stripe (the simulator) recorded.
 */
import { env } from "cloudflare:test";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { runDunning } from "../domain/payments/dunning-run";
import { settlePayments } from "../domain/payments/janitor";
import { payInvoice } from "../domain/payments/payments";
import { paymentDeps } from "../integrations/payments";
import { stripeClient } from "../integrations/stripe";
import { product, service } from "./billing-helpers";
import { api, countRows, customerToken, fetchWorker, testContext, unique } from "./helpers";

const SIM = "http://127.0.0.1:12916";
let seq = 0;
const idem = () => ({ "idempotency-key": `pay-${Date.now().toString(36)}-${seq++}-${Math.random().toString(36).slice(2, 8)}` });

type SimState = {
  customers: { id: string; metadata: Record<string, string> }[];
  payment_intents: { id: string; amount: number; currency: string; status: string; customer: string; metadata: Record<string, string> }[];
  refunds: { id: string; amount: number; payment_intent: string; status: string; metadata: Record<string, string> }[];
  payment_methods: { id: string; customer: string | null }[];
  events: { id: string; type: string; data: { object: { id: string } } }[];
};

async function sim(): Promise<SimState> {
  const res = await fetch(`${SIM}/_sim/state`);
  return (await res.json()) as SimState;
}

async function simControl(path: string, body: unknown) {
  const res = await fetch(`${SIM}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const intentsOf = async (paymentId: string) => (await sim()).payment_intents.filter((pi) => pi.metadata.payment_id === paymentId);

async function customer(extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/customers", { body: { name: unique("Payer"), type: "business", payment_type: "postpaid", ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const contact = await api("POST", `/customers/${res.body.id}/contacts`, {
    body: { first_name: "Paula", email: `${unique("payer").replace(/\s/g, "").toLowerCase()}@example.net`, roles: ["billing"] },
  });
  expect(contact.status).toBe(201);
  return res.body.id as string;
}

/** An issued invoice of `amount` (net; 20 % tax is added by the default rate) for a customer. */
async function issuedInvoice(customerId: string, amount = 1000) {
  const txn = await api("POST", "/transactions", {
    body: { customer_id: customerId, kind: "charge", description: "Service", amount, currency: "EUR" },
    headers: idem(),
  });
  expect(txn.status, JSON.stringify(txn.body)).toBe(201);
  const draft = await api("POST", "/invoices", { body: { customer_id: customerId, period_start: txn.body.date, period_end: txn.body.date } });
  expect(draft.status, JSON.stringify(draft.body)).toBe(201);
  const issued = await api("POST", `/invoices/${draft.body.id}/issue`);
  expect(issued.status).toBe(200);
  return issued.body as { id: string; total_amount: number; amount_due: number; number: string };
}

async function saveCard(customerId: string, pm = "pm_card_visa", extra: Record<string, unknown> = {}) {
  const res = await api("POST", `/customers/${customerId}/payment-methods`, { body: { stripe_payment_method_id: pm, ...extra }, headers: idem() });
  return res;
}

async function sign(body: string, t = Math.floor(Date.now() / 1000)) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("whsec_test_secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Delivers one of the simulator's recorded events to the worker, signed as Stripe would. */
async function deliver(event: unknown) {
  const body = JSON.stringify(event);
  const res = await fetchWorker("http://example.com/webhooks/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": await sign(body) },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { duplicate: boolean; outcome?: string };
}

const invoiceRow = (id: string) =>
  env.DB.prepare("SELECT status, amount_due, total_amount FROM invoices WHERE id = ?")
    .bind(id)
    .first<{ status: string; amount_due: number; total_amount: number }>();

/** Payments whose Stripe client does not retry: an injected drop is the crash between Stripe and D1. */
const crashProne = () => ({ ...paymentDeps(env), stripe: () => stripeClient({ ...env, STRIPE_MAX_RETRIES: "0" }) as Stripe });
const payDirect = (invoiceId: string) =>
  payInvoice(testContext(), crashProne(), { invoice_id: invoiceId }, { scope: null, canRecordManual: false, origin: "manual" });

const later = (minutes: number) => ({ ...testContext(), now: new Date(Date.now() + minutes * 60_000).toISOString() });

describe("cards", () => {
  it("saves a card through a SetupIntent (brand, last 4, expiry — never the number), makes the first the default, removes it at Stripe too", async () => {
    const id = await customer();
    const visa = await saveCard(id, "pm_card_visa", { nickname: "Company card" });
    expect(visa.status, JSON.stringify(visa.body)).toBe(201);
    expect(visa.body).toMatchObject({ brand: "visa", last4: "4242", default: true, nickname: "Company card", status: "active" });
    expect(JSON.stringify(visa.body)).not.toMatch(/4242424242424242/);
    const master = await saveCard(id, "pm_card_mastercard");
    expect(master.body).toMatchObject({ brand: "mastercard", last4: "4444", default: false });
    // Stripe's side: one customer (ours, by metadata), both cards attached to it.
    const state = await sim();
    const stripeCustomer = state.customers.find((c) => c.metadata.customer_id === id);
    expect(stripeCustomer).toBeTruthy();
    const attached = state.payment_methods.filter((pm) => pm.customer === stripeCustomer?.id).map((pm) => pm.id);
    expect(attached.sort()).toEqual([visa.body.stripe_payment_method_id, master.body.stripe_payment_method_id].sort());
    const me = await api("GET", `/customers/${id}`);
    expect(me.body.stripe_customer_id).toBe(stripeCustomer?.id);

    // Make the second the default; remove it → detached at Stripe, the first is the default again.
    expect((await api("PATCH", `/payment-methods/${master.body.id}`, { body: { default: true } })).body.default).toBe(true);
    expect((await api("GET", `/customers/${id}/payment-methods`)).body.data.map((c: { id: string }) => c.id)).toEqual([master.body.id, visa.body.id]);
    expect((await api("DELETE", `/payment-methods/${master.body.id}`)).status).toBe(204);
    expect((await sim()).payment_methods.find((pm) => pm.id === master.body.stripe_payment_method_id)?.customer).toBeNull();
    const left = (await api("GET", `/customers/${id}/payment-methods`)).body.data;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ id: visa.body.id, default: true });
  });

  it("refuses a card the bank declines, or one that needs 3-D Secure, with a 402 and saves nothing; bad ids are 422/404", async () => {
    const id = await customer();
    const before = await countRows("payment_methods");
    const declined = await saveCard(id, "pm_card_chargeDeclined");
    expect(declined.status).toBe(402);
    expect(declined.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await saveCard(id, "pm_card_authenticationRequired")).status).toBe(402);
    expect((await saveCard(id, "4242424242424242")).status).toBe(422);
    expect((await saveCard(id, "pm_nope_unknown")).status).toBe(404);
    expect((await api("POST", "/customers/cus_nope/payment-methods", { body: { stripe_payment_method_id: "pm_card_visa" } })).status).toBe(404);
    expect(await countRows("payment_methods")).toBe(before);
  });

  it("lists cards expiring within 60 days", async () => {
    const id = await customer();
    const card = await saveCard(id);
    const soon = new Date(Date.now() + 20 * 86_400_000);
    await env.DB.prepare("UPDATE payment_methods SET exp_month = ?, exp_year = ? WHERE id = ?")
      .bind(soon.getUTCMonth() + 1, soon.getUTCFullYear(), card.body.id)
      .run();
    const expiring = await api("GET", "/payment-methods/expiring");
    expect(expiring.body.data.find((c: { id: string }) => c.id === card.body.id)).toMatchObject({ expires_soon: true });
  });
});

describe("paying invoices", () => {
  it("pays an invoice by card once: Stripe received exactly the amount due, with our payment id; a replay charges nothing more", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 1000);
    const headers = idem();
    const paid = await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body).toMatchObject({
      status: "succeeded",
      amount: invoice.total_amount,
      currency: "EUR",
      method: "card",
      card: { brand: "visa", last4: "4242" },
    });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    // The other side: one PaymentIntent, succeeded, for exactly the invoice's total in minor units.
    const intents = await intentsOf(paid.body.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ id: paid.body.provider_id, amount: invoice.total_amount, currency: "eur", status: "succeeded" });
    expect(intents[0]?.metadata.invoice_id).toBe(invoice.id);

    const again = await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(paid.body.id);
    expect(await intentsOf(paid.body.id)).toHaveLength(1);
    // A new request for a paid invoice: 409, nothing charged.
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() })).status).toBe(409);
  });

  it("takes partial payments, never more than is due — even when two full payments race", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 5000);
    const part = await api("POST", "/payments", { body: { invoice_id: invoice.id, amount: 1000 }, headers: idem() });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "issued", amount_due: invoice.total_amount - 1000 });
    // An invoice with money on it is never voided (its payment would be lost): 409.
    expect((await api("POST", `/invoices/${invoice.id}/void`, { body: { reason: "oops" } })).status).toBe(409);
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id, amount: invoice.total_amount }, headers: idem() })).status).toBe(409);
    const racing = await Promise.all([1, 2, 3].map(() => api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() })));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(2);
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    const charged = (await sim()).payment_intents.filter((pi) => pi.metadata.invoice_id === invoice.id && pi.status === "succeeded");
    expect(charged.reduce((s, pi) => s + pi.amount, 0)).toBe(invoice.total_amount);
  });

  it("records cash and bank transfers with a reference, only with payments:manual", async () => {
    const id = await customer();
    const invoice = await issuedInvoice(id, 2000);
    const before = await countRows("payments");
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id, method: "cash" }, headers: idem() })).status).toBe(422);
    expect(
      (await api("POST", "/payments", { body: { invoice_id: invoice.id, method: "cash", reference: "R-1" }, headers: idem(), role: "support" })).status,
    ).toBe(403);
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id, method: "card" }, headers: idem() })).status).toBe(409); // no card saved
    expect(await countRows("payments")).toBe(before);
    const cash = await api("POST", "/payments", {
      body: { invoice_id: invoice.id, method: "bank_transfer", reference: "SEPA-2026-001" },
      headers: idem(),
      role: "billing",
    });
    expect(cash.status, JSON.stringify(cash.body)).toBe(201);
    expect(cash.body).toMatchObject({ status: "succeeded", method: "bank_transfer", reference: "SEPA-2026-001", provider_id: null });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    const activity = await env.DB.prepare("SELECT count(*) AS n FROM activity_log WHERE entity = 'payment' AND entity_id = ?")
      .bind(cash.body.id)
      .first<{ n: number }>();
    expect(activity?.n).toBeGreaterThanOrEqual(2);
  });

  it("a declined card fails the payment (402), starts dunning and emails the customer; the invoice stays due", async () => {
    const id = await customer();
    await saveCard(id, "pm_card_chargeCustomerFail");
    const invoice = await issuedInvoice(id, 1500);
    const emails = await countRows("email_outbox");
    const declined = await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() });
    expect(declined.status).toBe(402);
    expect(declined.body.payment).toMatchObject({ status: "failed", failure_code: "generic_decline" });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "issued", amount_due: invoice.total_amount });
    const dunning = await env.DB.prepare("SELECT status, step, next_at FROM dunning WHERE invoice_id = ?")
      .bind(invoice.id)
      .first<{ status: string; step: number; next_at: string }>();
    expect(dunning).toMatchObject({ status: "active", step: 0 });
    expect((dunning?.next_at ?? "") > new Date().toISOString()).toBe(true);
    expect((await api("GET", `/invoices/${invoice.id}`)).body.dunning).toMatchObject({ status: "active", step: 0, next_at: dunning?.next_at });
    expect(await countRows("email_outbox")).toBe(emails + 1);
  });
});

describe("unknown outcomes and webhooks", () => {
  it("a charge made at Stripe whose answer never came back is found by the janitor: exactly one charge, the invoice paid", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 1200);
    // Every attempt (the SDK retries twice) commits at Stripe, then the connection drops.
    await simControl("/_sim/failures", { path: "/v1/payment_intents", mode: "timeout_after_commit", count: 1, hangMs: 20 });
    const pending = { status: 201, body: await payDirect(invoice.id) };
    expect(pending.status, JSON.stringify(pending.body)).toBe(201);
    expect(pending.body.status).toBe("pending");
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "issued" });
    // A second payment request meanwhile is refused: the pending one covers the amount.
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() })).status).toBe(409);

    const result = await settlePayments(later(3), paymentDeps(env));
    expect(result.payments_resolved).toBeGreaterThanOrEqual(1);
    const settled = await api("GET", `/payments/${pending.body.id}`);
    expect(settled.body).toMatchObject({ status: "succeeded" });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    const intents = await intentsOf(pending.body.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]?.status).toBe("succeeded");
    // Running it again changes nothing.
    await settlePayments(later(4), paymentDeps(env));
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
  });

  it("a request that never reached Stripe is failed by the janitor after 10 minutes, never charged", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 700);
    await simControl("/_sim/failures", { path: "/v1/payment_intents", mode: "timeout", count: 1, hangMs: 20 });
    const pending = { status: 201, body: await payDirect(invoice.id) };
    expect(pending.body.status).toBe("pending");
    await settlePayments(later(3), paymentDeps(env));
    expect((await api("GET", `/payments/${pending.body.id}`)).body.status).toBe("pending");
    await settlePayments(later(12), paymentDeps(env));
    expect((await api("GET", `/payments/${pending.body.id}`)).body).toMatchObject({ status: "failed", failure_code: "not_sent" });
    expect(await intentsOf(pending.body.id)).toHaveLength(0);
  });

  it("webhooks converge whatever the order or repetition: a late payment_failed never undoes a success; a success after a pending is applied once", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 900);
    await simControl("/_sim/failures", { path: "/v1/payment_intents", mode: "timeout_after_commit", count: 1, hangMs: 20 });
    const pending = { status: 201, body: await payDirect(invoice.id) };
    expect(pending.body.status).toBe("pending");
    const state = await sim();
    const pi = state.payment_intents.find((p) => p.metadata.payment_id === pending.body.id);
    const events = state.events.filter((e) => e.data.object.id === pi?.id);
    const succeeded = events.find((e) => e.type === "payment_intent.succeeded");
    expect(succeeded).toBeTruthy();
    // Delivered twice, then a forged "failed" version of it (re-signed, so only the state at Stripe decides).
    expect((await deliver(succeeded)).outcome).toBe("payment converged");
    expect((await deliver(succeeded)).duplicate).toBe(true);
    await deliver({ ...succeeded, id: `evt_late_${Date.now()}`, type: "payment_intent.payment_failed" });
    expect((await api("GET", `/payments/${pending.body.id}`)).body.status).toBe("succeeded");
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    const applied = await env.DB.prepare("SELECT count(*) AS n FROM activity_log WHERE entity_id = ? AND action = 'payment.succeeded'")
      .bind(pending.body.id)
      .first<{ n: number }>();
    expect(applied?.n).toBe(1);
  });
});

describe("refunds", () => {
  it("refunds part of a card payment through Stripe, shown on a credit note; never above what was paid, even concurrently", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 10_000);
    const paid = await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() });
    expect(paid.body.status).toBe("succeeded");
    const part = await api("POST", `/payments/${paid.body.id}/refund`, { body: { amount: 2000, reason: "Outage credit" }, headers: idem() });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(part.body.refunded_amount).toBe(2000);
    expect(part.body.refunds[0]).toMatchObject({ amount: 2000, status: "succeeded" });
    const note = part.body.refunds[0].credit_note_id;
    expect(note).toBeTruthy();
    expect((await api("GET", `/invoices/${note}`)).body).toMatchObject({ kind: "credit_note", total_amount: 2000, credits_invoice_id: invoice.id });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid", amount_due: 0 });
    // Stripe's side: the refund, for the amount, on our PaymentIntent.
    const refunds = (await sim()).refunds.filter((r) => r.payment_intent === paid.body.provider_id);
    expect(refunds.map((r) => r.amount)).toEqual([2000]);

    // Five concurrent refunds of 4,000 each with 10,000 left: at most two fit.
    const left = invoice.total_amount - 2000;
    const racing = await Promise.all(
      [1, 2, 3, 4, 5].map(() => api("POST", `/payments/${paid.body.id}/refund`, { body: { amount: 4000, reason: "Race" }, headers: idem() })),
    );
    const ok = racing.filter((r) => r.status === 201).length;
    expect(ok).toBe(Math.floor(left / 4000));
    expect(racing.filter((r) => r.status === 409)).toHaveLength(5 - ok);
    const payment = (await api("GET", `/payments/${paid.body.id}`)).body;
    expect(payment.refunded_amount).toBe(2000 + ok * 4000);
    const atStripe = (await sim()).refunds.filter((r) => r.payment_intent === paid.body.provider_id).reduce((s, r) => s + r.amount, 0);
    expect(atStripe).toBe(payment.refunded_amount);
    expect(atStripe).toBeLessThanOrEqual(invoice.total_amount);
    // Over what is left: 409; a support user cannot refund at all.
    expect(
      (await api("POST", `/payments/${paid.body.id}/refund`, { body: { amount: invoice.total_amount, reason: "Too much" }, headers: idem() })).status,
    ).toBe(409);
    expect((await api("POST", `/payments/${paid.body.id}/refund`, { body: { amount: 1, reason: "x" }, headers: idem(), role: "support" })).status).toBe(403);
  });
});

describe("top-ups paid by card", () => {
  it("a portal customer's top-up is charged first and credited once paid; a declined card credits nothing", async () => {
    const me = await customerToken();
    const plan = { body: await product(0) };
    const serviceId = await service(me.customerId, plan.body.id, new Date().toISOString());
    const asCustomer = (method: string, path: string, body?: unknown) =>
      fetchWorker(`http://example.com/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${me.token}`, "content-type": "application/json", ...idem() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // No card yet: refused, nothing credited.
    const none = await asCustomer("POST", `/services/${serviceId}/top-ups`, { amount: 1000, currency: "EUR" });
    expect(none.status).toBe(409);
    expect((await asCustomer("POST", `/customers/${me.customerId}/payment-methods`, { stripe_payment_method_id: "pm_card_visa" })).status).toBe(201);
    const topped = await asCustomer("POST", `/services/${serviceId}/top-ups`, { amount: 1000, currency: "EUR" });
    const body = (await topped.json()) as {
      payment: { id: string; status: string; amount: number };
      balance: { buckets: { unit: string; pending_amount: number }[] };
    };
    expect(topped.status, JSON.stringify(body)).toBe(202);
    expect(body.payment).toMatchObject({ status: "succeeded", amount: 1200 }); // 10.00 + 20 % tax
    expect(body.balance.buckets.find((b) => b.unit === "monetary")?.pending_amount).toBe(1000);
    const intents = await intentsOf(body.payment.id);
    expect(intents.map((i) => [i.amount, i.status])).toEqual([[1200, "succeeded"]]);
    const job = await env.DB.prepare("SELECT top_up_job_id FROM payments WHERE id = ?").bind(body.payment.id).first<{ top_up_job_id: string }>();
    expect(job?.top_up_job_id).toMatch(/^job_/);

    // Another customer's service: 404, nothing charged.
    const other = await customer();
    const theirs = await service(other, plan.body.id, new Date().toISOString());
    const before = (await sim()).payment_intents.length;
    expect((await asCustomer("POST", `/services/${theirs}/top-ups`, { amount: 1000, currency: "EUR" })).status).toBe(404);
    expect((await sim()).payment_intents.length).toBe(before);
  });
});

describe("dunning", () => {
  it("retries on schedule, suspends the services after the last step, and resumes them when paid", async () => {
    const id = await customer();
    await saveCard(id, "pm_card_chargeCustomerFail");
    const invoice = await issuedInvoice(id, 800);
    const plan = await product(1000);
    const serviceId = await service(id, plan.id, new Date().toISOString());
    expect((await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() })).status).toBe(402);
    const deps = paymentDeps(env);
    // Day 3 and day 7: retries (declined again, each emailed); day 14: suspension.
    for (const day of [3, 7]) {
      const r = await runDunning(later(day * 24 * 60 + 1), deps);
      expect(r.retried).toBeGreaterThanOrEqual(1);
    }
    const attempts = await env.DB.prepare("SELECT origin, status FROM payments WHERE invoice_id = ? ORDER BY id")
      .bind(invoice.id)
      .all<{ origin: string; status: string }>();
    expect(attempts.results.map((a) => `${a.origin}:${a.status}`)).toEqual(["manual:failed", "dunning:failed", "dunning:failed"]);
    const suspended = await runDunning(later(14 * 24 * 60 + 1), deps);
    expect(suspended.suspended).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare("SELECT status, suspended_services FROM dunning WHERE invoice_id = ?")
      .bind(invoice.id)
      .first<{ status: string; suspended_services: string }>();
    expect(row?.status).toBe("suspended");
    expect(JSON.parse(row?.suspended_services ?? "[]")).toEqual([serviceId]);
    const suspendJob = await env.DB.prepare("SELECT type FROM jobs WHERE service_id = ? ORDER BY id DESC").bind(serviceId).first<{ type: string }>();
    expect(suspendJob?.type).toBe("suspend");

    // Paid (by transfer) → the next pass resumes what dunning suspended.
    await api("POST", "/payments", { body: { invoice_id: invoice.id, method: "bank_transfer", reference: "LATE-1" }, headers: idem() });
    await env.DB.prepare("UPDATE services SET status = 'suspended' WHERE id = ?").bind(serviceId).run();
    const resumed = await runDunning(later(14 * 24 * 60 + 2), deps);
    expect(resumed.resumed).toBeGreaterThanOrEqual(1);
    expect((await env.DB.prepare("SELECT status FROM dunning WHERE invoice_id = ?").bind(invoice.id).first<{ status: string }>())?.status).toBe("resolved");
    const resumeJob = await env.DB.prepare("SELECT type FROM jobs WHERE service_id = ? ORDER BY id DESC").bind(serviceId).first<{ type: string }>();
    expect(resumeJob?.type).toBe("resume");
  });
});

describe("made at Stripe, converged here", () => {
  const stripe = () => stripeClient(env) as Stripe;
  const eventsOf = async (objectId: string, type: string) => (await sim()).events.filter((e) => e.type === type && e.data.object.id === objectId);

  it("a refund made in Stripe's dashboard (charge.refunded) is recorded once, with its credit note", async () => {
    const id = await customer();
    await saveCard(id);
    const invoice = await issuedInvoice(id, 3000);
    const paid = await api("POST", "/payments", { body: { invoice_id: invoice.id }, headers: idem() });
    const refund = await stripe().refunds.create({ payment_intent: paid.body.provider_id, amount: 700 });
    const state = await sim();
    const charge = state.events.find((e) => e.type === "charge.refunded" && JSON.stringify(e).includes(paid.body.provider_id));
    expect(charge).toBeTruthy();
    await deliver(charge);
    await deliver({ ...charge, id: `evt_again_${Date.now()}` });
    const after = (await api("GET", `/payments/${paid.body.id}`)).body;
    expect(after.refunded_amount).toBe(700);
    expect(after.refunds).toHaveLength(1);
    expect(after.refunds[0]).toMatchObject({ provider_id: refund.id, status: "succeeded", amount: 700 });
    expect(after.refunds[0].credit_note_id).toBeTruthy();
  });

  it("a card saved at Stripe (setup_intent.succeeded) appears here; one detached at Stripe (payment_method.detached) is removed", async () => {
    const id = await customer();
    await saveCard(id); // makes the Stripe customer
    const stripeCustomer = (await api("GET", `/customers/${id}`)).body.stripe_customer_id as string;
    const si = await stripe().setupIntents.create({
      customer: stripeCustomer,
      payment_method: "pm_card_mastercard",
      confirm: true,
      allowed_payment_method_types: ["card"],
    });
    const [succeeded] = await eventsOf(si.id, "setup_intent.succeeded");
    expect((await deliver(succeeded)).outcome).toBe("card saved");
    expect((await deliver({ ...succeeded, id: `evt_dup_${Date.now()}` })).outcome).toBe("card known");
    const cards = (await api("GET", `/customers/${id}/payment-methods`)).body.data as { id: string; brand: string; stripe_payment_method_id: string }[];
    expect(cards.map((c) => c.brand).sort()).toEqual(["mastercard", "visa"]);
    const master = cards.find((c) => c.brand === "mastercard");
    await stripe().paymentMethods.detach(master?.stripe_payment_method_id ?? "");
    const [detached] = await eventsOf(master?.stripe_payment_method_id ?? "", "payment_method.detached");
    expect((await deliver(detached)).outcome).toBe("card removed");
    expect((await api("GET", `/customers/${id}/payment-methods`)).body.data.map((c: { brand: string }) => c.brand)).toEqual(["visa"]);
  });
});

describe("auto-pay, expiring cards, failed top-ups", () => {
  it("auto-pay charges a newly issued invoice once with the default card", async () => {
    const id = await customer({ auto_pay: true });
    await saveCard(id);
    const invoice = await issuedInvoice(id, 4000);
    const { autoPay } = await import("../domain/payments/janitor");
    await autoPay(testContext(), paymentDeps(env), 50);
    await autoPay(testContext(), paymentDeps(env), 50);
    const payments = (await api("GET", `/payments?invoice_id=${invoice.id}`)).body.data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ origin: "auto_pay", status: "succeeded" });
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: "paid" });
  });

  it("emails the owner of a card expiring within 60 days once", async () => {
    const id = await customer();
    const card = await saveCard(id);
    // A card valid to the end of the month 10 days from now: expiring within 60 days whatever today is
    // (30 days ahead failed near a month's start, when that month ends more than 60 days away).
    const soon = new Date(Date.now() + 10 * 86_400_000);
    await env.DB.prepare("UPDATE payment_methods SET exp_month = ?, exp_year = ? WHERE id = ?")
      .bind(soon.getUTCMonth() + 1, soon.getUTCFullYear(), card.body.id)
      .run();
    const { remindExpiringCards } = await import("../domain/payments/janitor");
    const emails = await countRows("email_outbox");
    await remindExpiringCards(testContext(), 500);
    await remindExpiringCards(testContext(), 500);
    const mine = await env.DB.prepare("SELECT expiry_reminded_at FROM payment_methods WHERE id = ?").bind(card.body.id).first<{ expiry_reminded_at: string }>();
    expect(mine?.expiry_reminded_at).toBeTruthy();
    expect(await countRows("email_outbox")).toBeGreaterThanOrEqual(emails + 1);
    const sent = await env.DB.prepare("SELECT subject FROM email_outbox WHERE template = 'card_expiring' ORDER BY id DESC LIMIT 1").first<{
      subject: string;
    }>();
    expect(sent?.subject).toContain("4242");
  });

  it("a paid top-up whose provisioning failed is refunded in full by the janitor, once", async () => {
    const id = await customer();
    const card = await saveCard(id);
    const plan = await product(0);
    const serviceId = await service(id, plan.id, new Date().toISOString());
    const topped = await api("POST", `/services/${serviceId}/top-ups`, {
      body: { amount: 500, currency: "EUR", payment_method: card.body.id },
      headers: idem(),
    });
    expect(topped.status, JSON.stringify(topped.body)).toBe(202);
    const payment = topped.body.payment;
    const job = await env.DB.prepare("SELECT top_up_job_id FROM payments WHERE id = ?").bind(payment.id).first<{ top_up_job_id: string }>();
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id = ?").bind(job?.top_up_job_id).run();
    await settlePayments(later(1), paymentDeps(env));
    await settlePayments(later(2), paymentDeps(env));
    const after = (await api("GET", `/payments/${payment.id}`)).body;
    expect(after.refunded_amount).toBe(payment.amount);
    expect(after.refunds).toHaveLength(1);
    const atStripe = (await sim()).refunds.filter((r) => r.payment_intent === payment.provider_id);
    expect(atStripe.map((r) => r.amount)).toEqual([payment.amount]);
  });
});
