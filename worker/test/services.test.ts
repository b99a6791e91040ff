import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { transitionCustomerWithServices } from "../domain/customers/cascade";
import type { ServiceStatePort } from "../domain/services/port";
import { serviceDeps } from "../durable/service-client";
import { planChangeProration } from "../lib/money";
import { api, customerToken, pageSession, testContext, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
let keySeq = 0;
const idem = () => ({ "idempotency-key": `k-${Date.now().toString(36)}-${keySeq++}-${Math.random().toString(36).slice(2, 8)}` });

async function product(extra: Record<string, unknown> = {}) {
  const slug = unique("plan")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const res = await api("POST", "/products", {
    body: {
      name: `Plan ${slug}`,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 1999,
      retail_setup_fee: 1000,
      provisioning_play: "charging_account",
      included_balances: [
        { unit: "data", amount: 10 * 2 ** 30, validity_days: 30 },
        { unit: "voice", amount: 500 * 60, validity_days: null },
      ],
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function customer() {
  return (await api("POST", "/customers", { body: { name: unique("Subscriber"), type: "individual", payment_type: "prepaid" } })).body;
}

async function order(customerId: string, productId: string) {
  const res = await api("POST", `/customers/${customerId}/services`, { body: { product_id: productId }, headers: idem() });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body as { service: { id: string; status: string }; job: { id: string; type: string; status: string } };
}

/** What the provisioning runner will do: lease (pending → provisioning) and report success (→ active). */
async function activate(serviceId: string, grants: { unit: "data" | "voice" | "monetary" | "sms"; amount: number; validity_days: number | null }[] = []) {
  const s = state(serviceId);
  expect((await s.transition(serviceId, "start_provisioning", { ...OP, key: "lease-1" })).ok).toBe(true);
  const done = await s.transition(serviceId, "activate", { ...OP, key: "done-1", identifiers: { msisdn: "+33612345678" }, grants });
  expect(done.ok).toBe(true);
}

describe("catalog", () => {
  it("creates products, validates them, and versions price changes", async () => {
    const p = await product();
    expect(p).toMatchObject({ version: 1, retail_price: 1999, currency: "EUR", status: "active" });
    expect((await api("POST", "/products", { body: { name: "x", slug: p.slug, type: "standalone", service_type: "mobile", retail_price: 1 } })).status).toBe(
      409,
    );
    for (const body of [
      {
        name: "Bundle",
        slug: unique("b")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "bundle",
        service_type: "other",
        retail_price: 1,
        components: [p.id],
      },
      {
        name: "Addon",
        slug: unique("a")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "addon",
        service_type: "mobile",
        retail_price: 1,
      },
      {
        name: "Float",
        slug: unique("f")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "standalone",
        service_type: "mobile",
        retail_price: 19.99,
      },
      {
        name: "Promo",
        slug: unique("p")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "promotion",
        service_type: "mobile",
        retail_price: 0,
        promotion: { kind: "percent", value: 150 },
      },
      {
        name: "Bad vars",
        slug: unique("v")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "standalone",
        service_type: "mobile",
        retail_price: 1,
        provisioning_json_vars: [1, 2],
      },
      {
        name: "Bad tax",
        slug: unique("t")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-"),
        type: "standalone",
        service_type: "mobile",
        retail_price: 1,
        tax_class: "luxury",
      },
    ]) {
      expect((await api("POST", "/products", { body })).status, body.name).toBe(422);
    }
    const repriced = await api("PATCH", `/products/${p.id}`, { body: { retail_price: 2499 } });
    expect(repriced.body).toMatchObject({ version: 2, retail_price: 2499 });
    const renamed = await api("PATCH", `/products/${p.id}`, { body: { name: "Renamed plan" } });
    expect(renamed.body.version).toBe(2);
    const detail = await api("GET", `/products/${p.id}`);
    expect(detail.body.versions.map((v: { version: number; retail_price: number }) => [v.version, v.retail_price])).toEqual([
      [2, 2499],
      [1, 1999],
    ]);
    expect((await api("PATCH", `/products/${p.id}`, { body: { status: "draft" } })).status).toBe(409);
  });
});

describe("playbook needs", () => {
  const base = () => ({
    name: "Needs",
    slug: unique("needs")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 50),
    type: "standalone",
    service_type: "mobile",
    status: "active",
    retail_price: 100,
  });
  const create = (extra: Record<string, unknown>) => api("POST", "/products", { body: { ...base(), ...extra } });
  const productCount = async () => Number((await env.DB.prepare("SELECT count(*) AS n FROM products").first<{ n: number }>())?.n);

  it("refuses to publish a product its playbook cannot provision, naming what is missing, and writes nothing", async () => {
    const n = await productCount();
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, "provisioning_play", "An active standalone product needs a playbook"],
      [{ provisioning_play: "mobile_prepaid" }, "required_inventory", "The mobile_prepaid playbook needs sim, phone_number in required_inventory"],
      [{ provisioning_play: "mobile_prepaid", required_inventory: ["sim"] }, "required_inventory", "needs phone_number"],
      [{ provisioning_play: "fixed_internet", required_inventory: ["ont"] }, "required_inventory", "needs ip_block"],
      [
        { provisioning_play: "fixed_internet", required_inventory: ["modem", "ip_block"], provisioning_json_vars: { access: "dsl" } },
        "provisioning_json_vars.access",
        "access is one of pppoe, ipoe",
      ],
      [{ provisioning_play: "suspend" }, "provisioning_play", "suspend is run by the system"],
      [{ provisioning_play: "bundle" }, "provisioning_play", "bundle is for bundle products"],
      [{ provisioning_play: "no_such_play" }, "provisioning_play", "No playbook no_such_play"],
    ];
    for (const [extra, path, message] of cases) {
      const res = await create(extra);
      expect(res.status, JSON.stringify(extra)).toBe(422);
      expect(res.body.errors.find((e: { path: string }) => e.path === path)?.message, JSON.stringify(res.body)).toContain(message);
    }
    expect(await productCount()).toBe(n);
    // What the playbook needs, met: published. A draft may be incomplete; publishing it is checked.
    expect((await create({ provisioning_play: "mobile_prepaid", required_inventory: ["sim", "phone_number"] })).status).toBe(201);
    expect(
      (await create({ provisioning_play: "fixed_internet", required_inventory: ["cpe", "ip_block"], provisioning_json_vars: { access: "ipoe" } })).status,
    ).toBe(201);
    const draft = await create({ status: "draft", provisioning_play: "mobile_prepaid" });
    expect(draft.status).toBe(201);
    const publish = await api("PATCH", `/products/${draft.body.id}`, { body: { status: "active" } });
    expect(publish.status).toBe(422);
    expect(publish.body.detail).toContain("needs sim, phone_number");
    expect((await api("PATCH", `/products/${draft.body.id}`, { body: { status: "active", required_inventory: ["sim", "phone_number"] } })).status).toBe(200);
    // An active product cannot drop what its playbook needs.
    const dropped = await api("PATCH", `/products/${draft.body.id}`, { body: { required_inventory: ["sim"] } });
    expect(dropped.status).toBe(422);
    expect((await api("GET", `/products/${draft.body.id}`)).body.required_inventory).toEqual(["sim", "phone_number"]);
    // Add-ons and promotions may have no playbook.
    expect((await create({ type: "promotion", retail_price: 0, promotion: { kind: "percent", value: 10, months: 1 } })).status).toBe(201);
  });
});

describe("services", () => {
  it("orders a service: pending, with its provisioning job and setup charge in one write", async () => {
    const p = await product();
    const c = await customer();
    const { service, job } = await order(c.id, p.id);
    expect(service).toMatchObject({ status: "pending", product_id: p.id, product_version_id: p.version_id });
    expect(job).toMatchObject({ type: "provision", status: "pending" });
    const txns = await api("GET", `/transactions?service_id=${service.id}`);
    expect(txns.body.data).toHaveLength(1);
    expect(txns.body.data[0]).toMatchObject({ kind: "charge", amount: 1000, tax_amount: 200, currency: "EUR" });
    const search = await api("GET", `/search?q=${encodeURIComponent(p.name)}&types=service`);
    expect(search.body.data.map((h: { id: string }) => h.id)).toContain(service.id);
    // An order without an Idempotency-Key is refused (it starts provisioning and moves money).
    expect((await api("POST", `/customers/${c.id}/services`, { body: { product_id: p.id } })).status).toBe(400);
    // Existing services keep their version after a price change.
    await api("PATCH", `/products/${p.id}`, { body: { retail_price: 2999 } });
    expect((await api("GET", `/services/${service.id}`)).body.product_version_id).toBe(p.version_id);
  });

  it("changes a service's site and contact, refusing another customer's", async () => {
    const p = await product();
    const c = await customer();
    const other = await customer();
    const site = await api("POST", `/customers/${c.id}/sites`, {
      body: { name: "Home", address_line1: "1 Rue A", city: "Lyon", country: "FR", latitude: 45.7, longitude: 4.8 },
    });
    const foreign = await api("POST", `/customers/${other.id}/sites`, {
      body: { name: "Other", address_line1: "2 Rue B", city: "Lyon", country: "FR", latitude: 45.7, longitude: 4.8 },
    });
    const { service } = await order(c.id, p.id);
    const patched = await api("PATCH", `/services/${service.id}`, { body: { site_id: site.body.id } });
    expect(patched.body.site_id).toBe(site.body.id);
    expect((await api("PATCH", `/services/${service.id}`, { body: { site_id: foreign.body.id } })).status).toBe(422);
    expect((await api("PATCH", `/services/${service.id}`, { body: { status: "active" } })).status).toBe(422);
  });

  it("refuses orders that cannot be fulfilled", async () => {
    const p = await product();
    const draft = await product({ status: "draft" });
    const business = await product({ eligibility: { customer_types: ["business"] } });
    const c = await customer();
    const post = (body: Record<string, unknown>) => api("POST", `/customers/${c.id}/services`, { body, headers: idem() });
    expect((await post({ product_id: "prd_missing" })).status).toBe(422);
    expect((await post({ product_id: draft.id })).status).toBe(409);
    expect((await post({ product_id: business.id })).status).toBe(422);
    expect((await post({ product_id: p.id, site_id: "sit_other" })).status).toBe(422);
    await api("POST", `/customers/${c.id}/suspend`);
    expect((await post({ product_id: p.id })).status).toBe(409);
  });

  it("creates one service per bundle component, linked to the bundle", async () => {
    const a = await product();
    const b = await product({ service_type: "fixed_internet" });
    const bundle = await product({ type: "bundle", service_type: "other", provisioning_play: "bundle", components: [a.id, b.id], included_balances: [] });
    const c = await customer();
    const { service } = await order(c.id, bundle.id);
    const children = await api("GET", `/services?parent_service_id=${service.id}`);
    expect(children.body.data.map((s: { product_id: string }) => s.product_id).sort()).toEqual([a.id, b.id].sort());
    expect(children.body.data.every((s: { status: string }) => s.status === "pending")).toBe(true);
  });

  it("follows the service state machine and refuses every illegal transition with 409", async () => {
    const p = await product();
    const c = await customer();
    const { service } = await order(c.id, p.id);
    for (const t of ["suspend", "resume", "terminate", "retry"]) {
      expect((await api("POST", `/services/${service.id}/${t}`, { headers: idem() })).status, t).toBe(409);
    }
    await activate(service.id, p.included_balances);
    expect((await api("GET", `/services/${service.id}`)).body).toMatchObject({ status: "active", identifiers: { msisdn: "+33612345678" } });
    expect((await api("POST", `/services/${service.id}/resume`, { headers: idem() })).status).toBe(409);
    const suspended = await api("POST", `/services/${service.id}/suspend`, { headers: idem() });
    expect(suspended.status).toBe(202);
    expect(suspended.body).toMatchObject({ service: { status: "suspended" }, job: { type: "suspend" } });
    expect((await api("POST", `/services/${service.id}/suspend`, { headers: idem() })).status).toBe(409);
    // Search shows the status the service has now, not the one it was indexed with.
    const hit = async () =>
      (await api("GET", `/search?q=${encodeURIComponent(p.name)}&types=service`)).body.data.find((h: { id: string }) => h.id === service.id);
    expect((await hit()).subtitle).toContain(" · suspended");
    expect((await hit()).subtitle).not.toContain("pending");
    expect((await api("POST", `/services/${service.id}/resume`, { headers: idem() })).body.service.status).toBe("active");
    expect((await api("POST", `/services/${service.id}/terminate`, { headers: idem() })).body).toMatchObject({
      service: { status: "terminating" },
      job: { type: "deprovision" },
    });
    for (const t of ["suspend", "resume", "terminate", "retry"]) {
      expect((await api("POST", `/services/${service.id}/${t}`, { headers: idem() })).status, t).toBe(409);
    }
    expect((await hit()).subtitle).toContain(" · terminating");
    expect((await state(service.id).transition(service.id, "activate", { ...OP, key: "x" })).ok).toBe(false);
    const timeline = await api("GET", `/activity?entity=service&entity_id=${service.id}`);
    expect(timeline.body.data.map((a: { action: string }) => a.action).reverse()).toEqual([
      "service.order",
      "service.start_provisioning",
      "service.activate",
      "service.suspend",
      "service.resume",
      "service.terminate",
    ]);
  });

  it("grants included balances at activation and shows top-ups as pending until settled", async () => {
    const p = await product();
    const c = await customer();
    const { service } = await order(c.id, p.id);
    await activate(service.id, p.included_balances);
    const balance = await api("GET", `/services/${service.id}/balance`);
    expect(balance.body.buckets.find((b: { unit: string }) => b.unit === "data")).toMatchObject({ amount: 10 * 2 ** 30, pending_amount: 0 });
    expect(balance.body.buckets.find((b: { unit: string }) => b.unit === "data").expires_at).not.toBeNull();
    const noKey = await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 500, currency: "EUR" } });
    expect(noKey.status).toBe(400);
    expect((await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 500, currency: "USD" }, headers: idem() })).status).toBe(422);
    expect((await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 5.5, currency: "EUR" }, headers: idem() })).status).toBe(422);
    const headers = idem();
    const top = await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 1500, currency: "EUR" }, headers });
    expect(top.status).toBe(202);
    expect(top.body.status).toBe("pending");
    expect(top.body.balance.buckets.find((b: { unit: string }) => b.unit === "monetary")).toMatchObject({ amount: 0, pending_amount: 1500 });
    const charge = await api("GET", `/transactions?service_id=${service.id}&kind=charge`);
    expect(charge.body.data.map((t: { amount: number }) => t.amount)).toContain(1500);
    const key = `topup:user:${(await api("GET", "/me")).body.id}:${headers["idempotency-key"]}`;
    const confirmed = await state(service.id).settleTopUp(service.id, key, "confirmed", OP);
    expect(confirmed.ok && confirmed.value.buckets.find((b) => b.unit === "monetary")).toMatchObject({ amount: 1500, pending_amount: 0 });
    // Settling the same top-up again is a replay of the first settlement: it changes nothing.
    expect((await state(service.id).settleTopUp(service.id, key, "reversed", { ...OP })).ok).toBe(true);
    // The same key again: the first outcome; the same key with another amount: refused, nothing moves.
    const replay = await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 1500, currency: "EUR" }, headers });
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(top.body.id);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(top.headers.get("idempotent-replayed")).toBeNull();
    expect((await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 9999, currency: "EUR" }, headers })).status).toBe(422);
    const second = await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 700, currency: "EUR" }, headers: idem() });
    expect(second.status).toBe(202);
    const rows = await env.DB.prepare("SELECT idempotency_key, state FROM balance_ledger WHERE service_id = ? AND kind = 'topup' ORDER BY seq")
      .bind(service.id)
      .all<{ idempotency_key: string; state: string }>();
    expect(rows.results.map((r) => r.state)).toEqual(["confirmed", "pending"]);
  });

  it("scopes service reads to the customer's own services", async () => {
    const p = await product();
    const mine = await customerToken();
    const other = await customerToken();
    const { service: own } = await order(mine.customerId, p.id);
    const { service: theirs } = await order(other.customerId, p.id);
    const auth = { authorization: `Bearer ${mine.token}` };
    expect((await api("GET", `/services/${own.id}`, { role: null, headers: auth })).status).toBe(200);
    expect((await api("GET", `/services/${theirs.id}`, { role: null, headers: auth })).status).toBe(404);
    expect((await api("GET", `/services/${theirs.id}/balance`, { role: null, headers: auth })).status).toBe(404);
    const list = await api("GET", `/services?customer_id=${other.customerId}`, { role: null, headers: auth });
    expect(list.body.data).toEqual([]);
    expect((await api("POST", `/services/${own.id}/suspend`, { role: null, headers: { ...auth, ...idem() } })).status).toBe(403);
    // Top-ups: a portal customer pays by card; whose service it is is checked before a key is replayed.
    expect((await api("POST", `/customers/${mine.customerId}/payment-methods`, { body: { stripe_payment_method_id: "pm_card_visa" } })).status).toBe(201);
    const key = idem();
    const topUp = (id: string) => api("POST", `/services/${id}/top-ups`, { role: null, headers: { ...auth, ...key }, body: { amount: 500, currency: "EUR" } });
    expect((await topUp(own.id)).status).toBe(202);
    expect((await topUp(own.id)).headers.get("idempotent-replayed")).toBe("true");
    const refused = await topUp(theirs.id);
    expect(refused.status).toBe(404);
    const buckets = (await api("GET", `/services/${theirs.id}/balance`)).body.buckets as { unit: string }[];
    expect(buckets.filter((b) => b.unit === "monetary")).toEqual([]);
  });
});

describe("money", () => {
  it.each([
    // [old, new, instant, credit, charge]
    [3000, 4500, "2027-01-01T00:00:00Z", 3000, 4500],
    [3000, 4500, "2027-01-16T12:00:00Z", 1500, 2250],
    [3100, 6200, "2027-01-31T00:00:00Z", 100, 200],
    [2800, 2800, "2027-02-15T00:00:00Z", 1400, 1400],
    [2900, 2900, "2028-02-29T00:00:00Z", 100, 100],
    [2900, 5800, "2028-02-15T00:00:00Z", 1500, 3000],
    [999, 1999, "2027-12-31T23:59:59Z", 0, 0],
    [1000, 1000, "2027-04-30T12:00:00Z", 17, 17],
    [1, 3, "2027-01-16T12:00:00Z", 0, 2],
  ])("prorates %i → %i at %s (credit %i, charge %i)", (oldPrice, newPrice, at, credit, charge) => {
    const result = planChangeProration(oldPrice, newPrice, new Date(at));
    expect(result.credit).toBe(credit);
    expect(result.charge).toBe(charge);
  });

  it("changes plan with a prorated credit and charge, and migrates to a product's current version", async () => {
    const small = await product({ retail_price: 3000 });
    const big = await product({ retail_price: 4500 });
    const c = await customer();
    const { service } = await order(c.id, small.id);
    expect((await api("POST", `/services/${service.id}/change-plan`, { body: { product_id: big.id }, headers: idem() })).status).toBe(409);
    await activate(service.id);
    const changed = await api("POST", `/services/${service.id}/change-plan`, { body: { product_id: big.id }, headers: idem() });
    expect(changed.status).toBe(202);
    expect(changed.body.service.product_id).toBe(big.id);
    const expected = planChangeProration(3000, 4500, new Date());
    const txns = (await api("GET", `/transactions?service_id=${service.id}`)).body.data;
    const credit = txns.find((t: { kind: string }) => t.kind === "credit");
    // In the last minutes of a month the unused part rounds to nothing and no credit is written.
    expect(Math.abs((credit?.amount ?? 0) - expected.credit)).toBeLessThanOrEqual(1);
    await api("PATCH", `/products/${big.id}`, { body: { retail_price: 4900 } });
    const migrated = await api("POST", `/services/${service.id}/change-plan`, { body: { product_id: big.id }, headers: idem() });
    expect(migrated.body.service.product_version_id).not.toBe(changed.body.service.product_version_id);
    const other = await product({ service_type: "voip" });
    expect((await api("POST", `/services/${service.id}/change-plan`, { body: { product_id: other.id }, headers: idem() })).status).toBe(422);
  });

  it("charges a money top-up on the terms of the plan the service is on now (held by its object, dropped on a plan change)", async () => {
    await env.DB.prepare(
      "INSERT OR IGNORE INTO tax_rates (id, tax_class, name, rate_bp, created_at, updated_at) VALUES ('tax_test_reduced', 'reduced-test', 'Reduced', 550, '2026-01-01', '2026-01-01')",
    ).run();
    const small = await product({ retail_price: 0, retail_setup_fee: 0 });
    const big = await product({ retail_price: 0, retail_setup_fee: 0, tax_class: "reduced-test" });
    const c = await customer();
    const { service } = await order(c.id, small.id);
    await activate(service.id);
    const charges = async () =>
      ((await api("GET", `/transactions?service_id=${service.id}`)).body.data as { description: string; amount: number; tax_rate_bp: number }[]).filter((t) =>
        t.description.startsWith("Top-up"),
      );
    expect((await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 1000, currency: "EUR" }, headers: idem() })).status).toBe(202);
    expect(await charges()).toEqual([expect.objectContaining({ description: `Top-up ${small.name}`, amount: 1000, tax_rate_bp: 2000 })]);
    // The object's terms say EUR: another currency is refused with the field named, and nothing is charged.
    const usd = await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 1000, currency: "USD" }, headers: idem() });
    expect(usd.status).toBe(422);
    expect(usd.body.errors).toEqual([{ path: "currency", message: "Currency mismatch" }]);
    expect((await api("POST", `/services/${service.id}/change-plan`, { body: { product_id: big.id }, headers: idem() })).status).toBe(202);
    expect((await api("POST", `/services/${service.id}/top-ups`, { body: { amount: 2000, currency: "EUR" }, headers: idem() })).status).toBe(202);
    const after = await charges();
    expect(after).toHaveLength(2);
    expect(after).toContainEqual(expect.objectContaining({ description: `Top-up ${big.name}`, amount: 2000, tax_rate_bp: 550 }));
  });

  it("keeps transactions immutable in the database and corrects them by reversal", async () => {
    const c = await customer();
    const headers = idem();
    const manual = await api("POST", "/transactions", {
      body: { customer_id: c.id, kind: "charge", description: "Cable", amount: 1234, currency: "EUR" },
      headers,
    });
    expect(manual.status).toBe(201);
    expect(manual.body.tax_amount).toBe(247);
    const replay = await api("POST", "/transactions", {
      body: { customer_id: c.id, kind: "charge", description: "Cable", amount: 1234, currency: "EUR" },
      headers,
    });
    expect(replay.body.id).toBe(manual.body.id);
    await expect(env.DB.prepare("UPDATE transactions SET amount = 1 WHERE id = ?").bind(manual.body.id).run()).rejects.toThrow(/immutable/);
    await expect(env.DB.prepare("DELETE FROM transactions WHERE id = ?").bind(manual.body.id).run()).rejects.toThrow(/immutable/);
    const reversal = await api("POST", "/transactions", { body: { reverses_id: manual.body.id }, headers: idem() });
    expect(reversal.body).toMatchObject({ kind: "credit", amount: 1234, tax_amount: 247, reverses_id: manual.body.id });
    expect((await api("POST", "/transactions", { body: { reverses_id: manual.body.id }, headers: idem() })).status).toBe(409);
    expect(
      (await api("POST", "/transactions", { body: { customer_id: c.id, kind: "charge", description: "x", amount: 1.5, currency: "EUR" }, headers: idem() }))
        .status,
    ).toBe(422);
  });
});

describe("customer suspension carries the services", () => {
  async function setup() {
    const p = await product();
    const c = await customer();
    const live = [await order(c.id, p.id), await order(c.id, p.id)];
    for (const o of live) await activate(o.service.id);
    const onItsOwn = await order(c.id, p.id);
    await activate(onItsOwn.service.id);
    expect((await api("POST", `/services/${onItsOwn.service.id}/suspend`, { headers: idem() })).status).toBe(202);
    const pending = await order(c.id, p.id);
    return { c, live: live.map((o) => o.service.id), onItsOwn: onItsOwn.service.id, pending: pending.service.id };
  }
  const statusOf = async (id: string) => (await api("GET", `/services/${id}`)).body.status;
  const jobsOf = async (id: string, type: string) => (await api("GET", `/jobs?service_id=${id}&type=${type}`)).body.data as { id: string }[];

  it("suspends each active service through its job and resumes only those it suspended (API)", async () => {
    const { c, live, onItsOwn, pending } = await setup();
    const suspended = await api("POST", `/customers/${c.id}/suspend`, { body: { reason: "unpaid" } });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    expect(suspended.body.status).toBe("suspended");
    expect(suspended.body.services.map((s: { id: string }) => s.id).sort()).toEqual([...live].sort());
    for (const id of live) {
      expect(await statusOf(id)).toBe("suspended");
      const jobs = await jobsOf(id, "suspend");
      expect(jobs).toHaveLength(1);
      expect(suspended.body.services.find((s: { id: string }) => s.id === id).job_id).toBe(jobs[0]?.id);
    }
    expect(await statusOf(pending)).toBe("pending");
    expect(await jobsOf(onItsOwn, "suspend")).toHaveLength(1);
    const entry = await api("GET", `/activity?entity=customer&entity_id=${c.id}&action=customer.suspend`);
    expect([...entry.body.data[0].changes.services.after].sort()).toEqual([...live].sort());

    const resumed = await api("POST", `/customers/${c.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.services.map((s: { id: string }) => s.id).sort()).toEqual([...live].sort());
    for (const id of live) {
      expect(await statusOf(id)).toBe("active");
      expect(await jobsOf(id, "resume")).toHaveLength(1);
    }
    // Suspended on its own (before the customer), it stays suspended.
    expect(await statusOf(onItsOwn)).toBe("suspended");
    expect(await jobsOf(onItsOwn, "resume")).toHaveLength(0);
    // A customer without live services changes alone.
    const empty = await customer();
    expect((await api("POST", `/customers/${empty.id}/suspend`)).body.services).toEqual([]);
  });

  it("refuses to carry services without services:write, changing nothing", async () => {
    const { c, live } = await setup();
    const ctx = testContext();
    await expect(
      transitionCustomerWithServices(ctx, serviceDeps(env), { id: c.id, transition: "suspend", key: "k1", mayChangeServices: false }),
    ).rejects.toThrow(/services:write/);
    // Through the API: a key that may change customers' status but not services gets a 403.
    const key = await api("POST", "/api-keys", { body: { name: unique("status only"), permissions: ["customers:read", "customers:archive"] } });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const refused = await api("POST", `/customers/${c.id}/suspend`, { role: null, headers: { authorization: `Bearer ${key.body.secret}` } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain("services:write");
    expect((await api("GET", `/customers/${c.id}`)).body.status).toBe("open");
    for (const id of live) expect(await statusOf(id)).toBe("active");
  });

  it("lists the services on a confirmation page before suspending from the admin", async () => {
    const { c, live, onItsOwn, pending } = await setup();
    const s = await pageSession("admin");
    const customerPage = await (await s.get(`/admin/customers/${c.id}`)).text();
    expect(customerPage).toContain(`href="/admin/customers/${c.id}/status/suspend"`);
    // Posting without the confirmation only leads to it.
    const unconfirmed = await s.post(`/admin/customers/${c.id}/transition`, { transition: "suspend" });
    expect(unconfirmed.status).toBe(303);
    expect(unconfirmed.headers.get("location")).toBe(`/admin/customers/${c.id}/status/suspend`);
    expect((await api("GET", `/customers/${c.id}`)).body.status).toBe("open");
    const confirm = await (await s.get(`/admin/customers/${c.id}/status/suspend`)).text();
    for (const id of live) expect(confirm).toContain(`data-service-id="${id}"`);
    expect(confirm).not.toContain(`data-service-id="${onItsOwn}"`);
    expect(confirm).not.toContain(`data-service-id="${pending}"`);
    expect(confirm).toContain("Suspend the customer and 2 services");
    const key = confirm.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const done = await s.post(`/admin/customers/${c.id}/transition`, { transition: "suspend", confirmed: "1", key, reason: "Fraud check" });
    expect(done.status).toBe(303);
    for (const id of live) expect(await statusOf(id)).toBe("suspended");
    const resumePage = await (await s.get(`/admin/customers/${c.id}/status/resume`)).text();
    expect(resumePage).toContain("Resume the customer and 2 services");
    expect(resumePage).not.toContain(`data-service-id="${onItsOwn}"`);
    // An unknown transition in the URL is a 404; one that does not apply is a 409 with the reason.
    expect((await s.get(`/admin/customers/${c.id}/status/reopen`)).status).toBe(404);
    expect((await s.get(`/admin/customers/${c.id}/status/suspend`)).status).toBe(409);
  });
});
