/**
 * Isolation: customer A asks, with customer B's ids, for every portal page and every API route that
 * customer accounts may call — each must answer 404 (lists: an empty page) and change nothing of B's.
 * The routes come from the app's route table, so a new route is covered (or fails here until its
 * resource is mapped below).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../app";
import { CUSTOMER_PERMISSIONS, type Permission } from "../domain/auth/permissions";
import { ACCESS, type AccessMiddleware } from "../middleware/access";
import { product, service } from "./billing-helpers";
import { api, BASE, customerToken, fetchWorker, portalSession } from "./helpers";

type Ids = Record<string, string>;

/** Customer B: a service, an issued invoice, a payment, a saved card, a contact, a site, a pending plan change. */
async function customerB(): Promise<{ token: string; email: string; ids: Ids; planId: string }> {
  const b = await customerToken();
  const plan = await product(1000);
  const other = await product(2000, { plan_change_approval: true });
  const svc = await service(b.customerId, plan.id, new Date().toISOString());
  const txn = await api("POST", "/transactions", {
    body: { customer_id: b.customerId, service_id: svc, kind: "charge", description: "B's line", amount: 4000, currency: "EUR" },
    headers: { "idempotency-key": `iso-${svc}` },
  });
  const draft = await api("POST", "/invoices", { body: { customer_id: b.customerId, period_start: txn.body.date, period_end: txn.body.date } });
  const invoice = (await api("POST", `/invoices/${draft.body.id}/issue`)).body;
  const card = (await api("POST", `/customers/${b.customerId}/payment-methods`, { body: { stripe_payment_method_id: "pm_card_visa" } })).body;
  const payment = (await api("POST", "/payments", { body: { invoice_id: invoice.id, amount: 100 }, headers: { "idempotency-key": `iso-pay-${svc}` } })).body;
  const site = (await api("POST", `/customers/${b.customerId}/sites`, { body: { name: "B's office", address_line1: "1 rue B", city: "Lyon", country: "FR" } }))
    .body;
  const request = await api("POST", `/services/${svc}/plan-change-requests`, {
    role: null,
    headers: { authorization: `Bearer ${b.token}` },
    body: { product_id: other.id },
  });
  expect(request.status, JSON.stringify(request.body)).toBe(201);
  expect(payment.id).toMatch(/^pay_/);
  return {
    token: b.token,
    email: b.email,
    planId: plan.id,
    ids: {
      customers: b.customerId,
      contacts: b.contactId,
      sites: site.id,
      services: svc,
      invoices: invoice.id,
      transactions: txn.body.id,
      payments: payment.id,
      "payment-methods": card.id,
      cards: card.id,
      "plan-change-requests": request.body.id,
    },
  };
}

/** Everything of B's that A could change: compared before and after. */
async function fingerprint(ids: Ids): Promise<string> {
  const rows = await Promise.all([
    env.DB.prepare("SELECT id, status, amount, refunded_amount FROM payments WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, status, is_default, nickname FROM payment_methods WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, status, amount_due FROM invoices WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, amount, invoice_id FROM transactions WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, status, product_id, identifiers, site_id, contact_id FROM services WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, status FROM plan_change_requests WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT count(*) AS n FROM service_addons WHERE service_id = ?").bind(ids.services).all(),
    env.DB.prepare("SELECT id, first_name, last_name, phone, email FROM contacts WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT id, name, address_line1 FROM sites WHERE customer_id = ? ORDER BY id").bind(ids.customers).all(),
    env.DB.prepare("SELECT name, status, notes FROM customers WHERE id = ?").bind(ids.customers).all(),
    env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE service_id = ?").bind(ids.services).all(),
  ]);
  const balance = (await api("GET", `/services/${ids.services}/balance`)).body;
  return JSON.stringify([rows.map((r) => r.results), balance]);
}

/** A body that passes validation for each customer-callable write, so only ownership can refuse it. */
function apiBody(method: string, path: string, ids: Ids, planId: string): unknown {
  if (path.endsWith("/top-ups")) return { amount: 1000, currency: "EUR" };
  if (path.endsWith("/plan-change-requests")) return { product_id: planId };
  if (path.endsWith("/payment-methods")) return { stripe_payment_method_id: "pm_card_visa" };
  if (path === "/api/v1/payments") return { invoice_id: ids.invoices };
  if (method === "PATCH" && path.startsWith("/api/v1/payment-methods/")) return { default: true };
  return {};
}

function portalForm(path: string, ids: Ids, planId: string): Record<string, string> {
  if (path.endsWith("/top-up")) return { amount: "10.00", key: `iso-${Date.now()}` };
  if (path.endsWith("/change-plan")) return { product_id: planId };
  if (path.endsWith("/addons")) return { product_id: planId, key: `iso-${Date.now()}` };
  if (path.endsWith("/pay")) return { payment_method_id: ids.cards ?? "" };
  return {};
}

const routes = () =>
  app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, path: r.path, rule: (r.handler as Partial<AccessMiddleware>)[ACCESS] }))
    .filter((r, i, all) => all.findIndex((x) => x.method === r.method && x.path === r.path) === i);

/** The resource a path's id belongs to: the segment before its first parameter. */
function withIds(path: string, ids: Ids): string | null {
  let missing = false;
  const out = path.replace(/\/([a-z-]+)\/:([A-Za-z_]+)/g, (_, resource: string) => {
    const id = ids[resource];
    if (!id) missing = true;
    return `/${resource}/${id}`;
  });
  return missing ? null : out;
}

describe("portal isolation", () => {
  it("answers 404 to customer A for every portal page and customer API route with customer B's ids, and changes nothing", async () => {
    const b = await customerB();
    const a = await customerToken();
    const s = await portalSession(a.email);
    const before = await fingerprint(b.ids);
    const failures: string[] = [];
    let checked = 0;

    // Every portal route that takes an id.
    for (const r of routes().filter((x) => x.path.startsWith("/portal/") && x.path.includes("/:"))) {
      if (r.path.startsWith("/portal/lang/")) continue;
      const url = withIds(r.path, b.ids);
      if (!url) {
        failures.push(`${r.method} ${r.path}: no id of B's for this resource (map it in the test)`);
        continue;
      }
      const res = r.method === "GET" ? await s.get(url) : await s.post(url, portalForm(url, b.ids, b.planId));
      checked++;
      if (res.status !== 404) failures.push(`${r.method} ${url} → ${res.status}`);
    }

    // Every API route customer accounts may call.
    const auth = { authorization: `Bearer ${a.token}` };
    for (const r of routes().filter((x) => x.path.startsWith("/api/v1/") && x.rule?.customers && CUSTOMER_PERMISSIONS.includes(x.rule.access as Permission))) {
      if (!r.path.includes("/:")) {
        // Lists and collection writes: filtered by B's customer, they show nothing of B's.
        if (r.method === "GET") {
          const res = await fetchWorker(`${BASE}${r.path}?customer_id=${b.ids.customers}`, { headers: auth });
          checked++;
          const body = (await res.json()) as { data?: { customer_id?: string; id?: string }[] };
          if (res.status === 200 && (body.data ?? []).some((x) => x.customer_id === b.ids.customers || x.id === b.ids.customers))
            failures.push(`GET ${r.path}?customer_id=B listed B's rows`);
          else if (res.status !== 200 && res.status !== 404) failures.push(`GET ${r.path}?customer_id=B → ${res.status}`);
        } else {
          const res = await fetchWorker(`${BASE}${r.path}`, {
            method: r.method,
            headers: { ...auth, "content-type": "application/json", "idempotency-key": `iso-${r.path}-${Date.now()}` },
            body: JSON.stringify(apiBody(r.method, r.path, b.ids, b.planId)),
          });
          checked++;
          if (res.status !== 404) failures.push(`${r.method} ${r.path} (B's ids in the body) → ${res.status}`);
        }
        continue;
      }
      const url = withIds(r.path, b.ids);
      if (!url) {
        failures.push(`${r.method} ${r.path}: no id of B's for this resource (map it in the test)`);
        continue;
      }
      const hasBody = r.method !== "GET" && r.method !== "DELETE";
      const res = await fetchWorker(`${BASE}${url}`, {
        method: r.method,
        headers: { ...auth, ...(hasBody ? { "content-type": "application/json", "idempotency-key": `iso-${url}-${Date.now()}` } : {}) },
        body: hasBody ? JSON.stringify(apiBody(r.method, r.path, b.ids, b.planId)) : undefined,
      });
      checked++;
      if (res.status !== 404) failures.push(`${r.method} ${url} → ${res.status}`);
    }

    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(30);
    expect(await fingerprint(b.ids)).toBe(before);
    console.log(`portal isolation: ${checked} requests with another customer's ids, 0 leaks`);
  }, 120_000);
});
