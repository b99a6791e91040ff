import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServiceStatePort } from "../domain/services/port";
import { api, pageSession, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };

describe("catalog and service pages", () => {
  it("creates a product from the form (prices typed as decimals) and shows its versions", async () => {
    const s = await pageSession("provisioning");
    const slug = unique("form")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 40);
    const bad = await s.post("/admin/catalog/new", {
      name: "X",
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: "19.999",
      cgrates: "[oops",
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("At most 2 decimals in EUR");
    expect(html).toContain("Not valid JSON");
    // An active plan without a playbook (or without what its playbook needs) is refused, naming what is missing.
    const noPlay = await s.post("/admin/catalog/new", {
      name: "X",
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: "1",
      customer_types: ["individual"],
    });
    expect(noPlay.status).toBe(422);
    expect(await noPlay.text()).toContain("An active standalone product needs a playbook");
    const noSim = await s.post("/admin/catalog/new", {
      name: "X",
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: "1",
      provisioning_play: "mobile_prepaid",
      required_inventory: "phone_number",
      customer_types: ["individual"],
    });
    expect(noSim.status).toBe(422);
    expect(await noSim.text()).toContain("The mobile_prepaid playbook needs sim in required_inventory");
    const form = await (await s.get("/admin/catalog/new")).text();
    expect(form).toContain('<option value="mobile_prepaid">mobile_prepaid — Prepaid mobile line (needs sim, phone_number)</option>');
    expect(form).not.toContain('<option value="suspend"');
    const ok = await s.post("/admin/catalog/new", {
      name: "Form Plan",
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      provisioning_play: "charging_account",
      retail_price: "19,99",
      retail_setup_fee: "5",
      "included_balances.amount": "1",
      "included_balances.unit": "GB",
      "included_balances.validity_days": "30",
      customer_types: ["individual", "business"],
      prorate: "1",
    });
    expect(ok.status).toBe(303);
    const path = ok.headers.get("location") ?? "";
    const product = (await api("GET", `/products/${path.split("/").pop()}`)).body;
    expect(product).toMatchObject({ retail_price: 1999, retail_setup_fee: 500, included_balances: [{ unit: "data", amount: 1073741824, validity_days: 30 }] });
    expect(
      (
        await s.post(`${path}/edit`, {
          name: "Form Plan",
          service_type: "mobile",
          status: "active",
          provisioning_play: "charging_account",
          retail_price: "24.99",
          retail_setup_fee: "5",
          customer_types: ["individual"],
        })
      ).status,
    ).toBe(303);
    const page = await (await s.get(path)).text();
    expect(page).toContain("v2");
    expect(page).toContain("€24.99");
  });

  it("orders a service from the customer page once per form, then manages it from its page", async () => {
    const slug = unique("pg")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 40);
    const product = (
      await api("POST", "/products", {
        body: {
          name: `Page plan ${slug}`,
          slug,
          type: "standalone",
          service_type: "mobile",
          status: "active",
          retail_price: 1500,
          retail_setup_fee: 900,
          provisioning_play: "charging_account",
        },
      })
    ).body;
    const customer = (await api("POST", "/customers", { body: { name: unique("Page Sub"), type: "individual" } })).body;
    const s = await pageSession("support");
    const page = await (await s.get(`/admin/customers/${customer.id}`)).text();
    const key = page.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    expect(key).not.toBe("");
    const first = await s.post(`/admin/customers/${customer.id}/services`, { key, product_id: product.id });
    const again = await s.post(`/admin/customers/${customer.id}/services`, { key, product_id: product.id });
    expect(first.status).toBe(303);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    const services = (await api("GET", `/services?customer_id=${customer.id}`)).body.data;
    expect(services).toHaveLength(1);
    const id = services[0].id as string;
    const view = await (await s.get(`/admin/services/${id}`)).text();
    expect(view).toContain("Provisioning jobs");
    expect(view).toContain("pending");
    const illegal = await s.post(`/admin/services/${id}/action`, { action: "suspend", key: "k1", reason: "Testing" });
    expect(illegal.status).toBe(409);
    expect(await illegal.text()).toContain("Cannot suspend a service that is pending.");
    await state(id).transition(id, "start_provisioning", { ...OP, key: "l" });
    await state(id).transition(id, "activate", {
      ...OP,
      key: "a",
      identifiers: { msisdn: "+33600000001" },
      grants: [{ unit: "data", amount: 2 ** 30, validity_days: 30 }],
    });
    const topped = await s.post(`/admin/services/${id}/top-ups`, { key: "t1", amount: "10.00" });
    expect(topped.status).toBe(303);
    await s.post(`/admin/services/${id}/top-ups`, { key: "t1", amount: "10.00" });
    const balance = (await api("GET", `/services/${id}/balance`)).body;
    expect(balance.buckets.find((b: { unit: string }) => b.unit === "monetary")).toMatchObject({ pending_amount: 1000 });
    // One key format for pages and the API (middleware/idempotency.ts): `<principal type>:<id>:<client key>`.
    const ledgerKeys = await env.DB.prepare("SELECT idempotency_key FROM balance_ledger WHERE service_id = ? AND kind = 'topup'")
      .bind(id)
      .all<{ idempotency_key: string }>();
    expect(ledgerKeys.results.map((r) => r.idempotency_key)).toEqual([expect.stringMatching(/^topup:user:[^:]+:t1$/)]);
    expect((await s.post(`/admin/services/${id}/action`, { action: "suspend", key: "k2", reason: "Customer asked" })).status).toBe(303);
    const after = await (await s.get(`/admin/services/${id}`)).text();
    expect(after).toContain("+33600000001");
    expect(after).toContain("service.suspend");
    expect(after).toContain("<svg");
  });

  it("lists services and products", async () => {
    const s = await pageSession("read-only");
    expect((await s.get("/admin/services")).status).toBe(200);
    expect((await s.get("/admin/services?status=active")).status).toBe(200);
    expect((await s.get("/admin/catalog")).status).toBe(200);
    expect((await s.get("/admin/catalog/new")).status).toBe(403);
  });
});
