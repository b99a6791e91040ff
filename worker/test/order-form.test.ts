import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { luhnCheckDigit } from "../lib/identifiers";
import { api, pageSession, unique } from "./helpers";

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const slug = (p: string) =>
  unique(p)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40);
let n = 0;
const idem = () => ({ "idempotency-key": `of-${Date.now().toString(36)}-${n++}` });

async function item(type: string, fields: Record<string, unknown>): Promise<{ id: string; fields: { msisdn: string; iccid: string; pool: string } }> {
  const res = await api("POST", "/inventory/items", { body: { type, fields } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function product(body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await api("POST", "/products", {
    body: { name: `Order ${slug("p")}`, slug: slug("of"), type: "standalone", status: "active", retail_price: 500, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A mobile plan whose numbers come from `pool`, and a prepaid customer of its own. */
async function mobilePlanFrom(pool: string, name: string) {
  const plan = await product({
    service_type: "mobile",
    provisioning_play: "voip",
    required_inventory: ["phone_number"],
    provisioning_json_vars: { number_pool: pool },
  });
  const customer: { id: string } = (await api("POST", "/customers", { body: { name: unique(name), type: "individual", payment_type: "prepaid" } })).body;
  return { plan, customer };
}

/** A pool of its own with mobile and fixed numbers, one quarantined; a SIM; a mobile and a VoIP plan; a customer in France. */
async function setup() {
  const pool = unique("ofpool").toLowerCase();
  const mobile = await item("phone_number", { msisdn: `+33661${digits(6)}`, pool });
  const mobile2 = await item("phone_number", { msisdn: `+33662${digits(6)}`, pool });
  const fixed = await item("phone_number", { msisdn: `+33478${digits(6)}`, pool });
  const elsewhere = await item("phone_number", { msisdn: `+33663${digits(6)}`, pool: `${pool}-other` });
  const resting = await item("phone_number", { msisdn: `+33664${digits(6)}`, pool });
  await env.DB.prepare("UPDATE inventory_items SET status = 'quarantined', quarantined_until = ? WHERE id = ?")
    .bind(new Date(Date.now() + 86_400_000).toISOString(), resting.id)
    .run();
  // Its digits after 893315 start with 0: typed, they read like a French national number too.
  const partial = `8933150${digits(11)}`;
  const sim = await item("sim", { iccid: partial + luhnCheckDigit(partial), imsi: `20815${digits(10)}`, pin: "1234", puk: "12345678", ki: digits(32) });
  const mobilePlan = await product({
    service_type: "mobile",
    provisioning_play: "mobile_prepaid",
    required_inventory: ["sim", "phone_number"],
    provisioning_json_vars: { number_pool: pool },
  });
  const voipPlan = await product({ service_type: "voip", provisioning_play: "voip", required_inventory: ["phone_number"] });
  const customer = (await api("POST", "/customers", { body: { name: unique("Orderer"), type: "individual", payment_type: "prepaid" } })).body;
  await api("POST", `/customers/${customer.id}/sites`, { body: { name: "Home", address_line1: "1 rue Mercière", city: "Lyon", country: "FR" } });
  return { pool, mobile, mobile2, fixed, elsewhere, resting, sim, mobilePlan, voipPlan, customer: customer as { id: string } };
}

/** "+33661234567" as a French person types it: "06 61 23 45 67". */
const national = (e164: string) => `0${e164.slice(3, 4)} ${e164.slice(4).replace(/(\d\d)(?=\d)/g, "$1 ")}`;

describe("the order form", () => {
  it("has no product chosen, and refuses an order without one", async () => {
    const { customer } = await setup();
    const s = await pageSession("support");
    const page = await (await s.get(`/admin/customers/${customer.id}`)).text();
    const select = page.match(/<select id="f-product_id" name="product_id" required="">[\s\S]*?<\/select>/)?.[0] ?? "";
    // The blank choice comes first and nothing is selected, so the browser shows "Choose a product…".
    expect(select).toMatch(/^<select[^>]*><option value="">Choose a product…<\/option><option value="prd_/);
    expect(select).not.toContain("selected");
    const key = page.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const refused = await s.post(`/admin/customers/${customer.id}/services`, { key, product_id: "" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Choose a product to order.");
    expect((await api("GET", `/services?customer_id=${customer.id}`)).body.data).toHaveLength(0);
  });

  it("finds SIMs and numbers by what staff type, offering only numbers that fit the product and never quarantined ones", async () => {
    const x = await setup();
    const s = await pageSession("support");
    const base = `/admin/customers/${x.customer.id}/order-inventory`;
    const pickers = await (await s.get(`${base}?product_id=${x.mobilePlan.id}`)).text();
    expect(pickers).toContain('name="q.sim"');
    expect(pickers).toContain('name="q.phone_number"');
    expect(pickers).toContain('<input type="radio" name="inventory.phone_number" value="" checked=""/> Next available');
    const search = async (plan: { id: string }, type: string, q: string, extra = "") =>
      (await s.get(`${base}/search?type=${type}&product_id=${plan.id}&q.${type}=${encodeURIComponent(q)}${extra}`)).text();

    // National form for the customer's country, international form, and the pool.
    expect(await search(x.mobilePlan, "phone_number", national(x.mobile.fields.msisdn))).toContain(`value="${x.mobile.id}"`);
    expect(await search(x.mobilePlan, "phone_number", x.mobile.fields.msisdn.replace("+33", "+33 "))).toContain(`value="${x.mobile.id}"`);
    const byPool = await search(x.mobilePlan, "phone_number", x.pool);
    expect(byPool).toContain(`value="${x.mobile.id}"`);
    expect(byPool).toContain(`value="${x.mobile2.id}"`);
    expect(byPool).not.toContain(`value="${x.fixed.id}"`); // fixed-line: not for a mobile plan
    expect(byPool).not.toContain(`value="${x.elsewhere.id}"`); // another pool than the product's
    expect(byPool).not.toContain(`value="${x.resting.id}"`); // quarantined
    // A number held for this customer comes first (mobile2 has the higher id); one held for another customer is not offered.
    const hold = (id: string, customerId: string | null) =>
      env.DB.prepare("UPDATE inventory_items SET status = ?2, customer_id = ?3 WHERE id = ?1")
        .bind(id, customerId ? "reserved" : "in_stock", customerId)
        .run();
    await hold(x.mobile2.id, x.customer.id);
    const heldFirst = await search(x.mobilePlan, "phone_number", x.pool);
    expect(heldFirst.indexOf(`value="${x.mobile.id}"`)).toBeGreaterThan(heldFirst.indexOf(`value="${x.mobile2.id}"`));
    expect(heldFirst.indexOf(`value="${x.mobile2.id}"`)).toBeGreaterThan(-1);
    const someoneElse = (await api("POST", "/customers", { body: { name: unique("Other"), type: "individual", payment_type: "prepaid" } })).body;
    await hold(x.mobile2.id, someoneElse.id);
    expect(await search(x.mobilePlan, "phone_number", x.pool)).not.toContain(`value="${x.mobile2.id}"`);
    await hold(x.mobile2.id, null);
    expect(await search(x.mobilePlan, "phone_number", x.resting.fields.msisdn)).toContain("Nothing in stock matches");
    expect(await search(x.mobilePlan, "phone_number", x.fixed.fields.msisdn)).not.toContain(`value="${x.fixed.id}"`);
    // A VoIP plan takes the fixed-line number, not the mobile ones.
    const voip = await search(x.voipPlan, "phone_number", x.pool);
    expect(voip).toContain(`value="${x.fixed.id}"`);
    expect(voip).not.toContain(`value="${x.mobile.id}"`);
    // SIMs by part of the ICCID (one that reads like a national number, "0…"); the item chosen so far stays chosen while searching again.
    expect(await search(x.mobilePlan, "sim", x.sim.fields.iccid.slice(6, 16))).toContain(`value="${x.sim.id}"`);
    const kept = await search(x.mobilePlan, "phone_number", "no-such-thing", `&inventory.phone_number=${x.mobile2.id}`);
    expect(kept).toContain(`<input type="radio" name="inventory.phone_number" value="${x.mobile2.id}" checked=""/>`);
    expect(kept).toContain('<input type="radio" name="inventory.phone_number" value=""/> Next available');

    // Without JavaScript, "Find" brings the form back with the product kept and the results.
    const found = await s.post(`/admin/customers/${x.customer.id}/order`, { key: "k", product_id: x.mobilePlan.id, "q.phone_number": x.pool });
    expect(found.status).toBe(200);
    const html = await found.text();
    expect(html).toContain(`<option value="${x.mobilePlan.id}" selected="">`);
    expect(html).toContain(`value="${x.mobile.id}"`);
  });

  it("orders with a typed number and SIM end to end, and refuses a number that does not fit", async () => {
    const x = await setup();
    const s = await pageSession("support");
    const page = await (await s.get(`/admin/customers/${x.customer.id}`)).text();
    const key = page.match(/name="key" value="([^"]+)"/)?.[1] ?? "";

    // A mobile number for a VoIP plan: 422 on the form, naming why, and nothing taken.
    const wrong = await s.post(`/admin/customers/${x.customer.id}/services`, { key, product_id: x.voipPlan.id, "inventory.phone_number": x.mobile2.id });
    expect(wrong.status).toBe(422);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain(`${x.mobile2.fields.msisdn} is a mobile number; a voip service needs a fixed-line number`);
    expect(wrongHtml).toContain('class="picker invalid"');
    expect((await api("GET", `/inventory/items/${x.mobile2.id}`)).body.status).toBe("in_stock");
    // The API says the same (problem+json naming the field).
    const api422 = await api("POST", `/customers/${x.customer.id}/services`, {
      body: { product_id: x.mobilePlan.id, inventory: { phone_number: x.fixed.id } },
      headers: idem(),
    });
    expect(api422.status).toBe(422);
    expect(api422.body.errors).toEqual([
      { path: "inventory.phone_number", message: `${x.fixed.fields.msisdn} is a fixed-line number; a mobile plan needs a mobile number` },
    ]);

    const ordered = await s.post(`/admin/customers/${x.customer.id}/services`, {
      key,
      product_id: x.mobilePlan.id,
      "q.phone_number": national(x.mobile.fields.msisdn),
      "inventory.phone_number": x.mobile.id,
      "inventory.sim": x.sim.id,
    });
    expect(ordered.status, await ordered.clone().text()).toBe(303);
    const serviceId = (ordered.headers.get("location") ?? "").split("/").pop();
    const service = (await api("GET", `/services/${serviceId}`)).body;
    expect(service.identifiers).toMatchObject({ msisdn: x.mobile.fields.msisdn, iccid: x.sim.fields.iccid });
    expect((await api("GET", `/inventory/items/${x.mobile.id}`)).body).toMatchObject({ status: "reserved", service_id: serviceId });
  });

  it("gives a 'next available' number only if it fits the product, and says so when none does", async () => {
    // A pool of its own: fixed-line numbers first (the lowest ids, more than one page of the search),
    // a golden mobile one, then a plain mobile one.
    const pool = unique("nextpool").toLowerCase();
    const fixed = await item("phone_number", { msisdn: `+33478${digits(6)}`, pool });
    const more = Array.from({ length: 250 }, (_, i) => ({ id: `${fixed.id}-${String(i).padStart(3, "0")}`, msisdn: `+33479${digits(6)}` }));
    await env.DB.prepare(
      `INSERT INTO inventory_items (id, type, status, fields, created_at, updated_at)
       SELECT json_extract(value, '$.id'), 'phone_number', 'in_stock', json_object('msisdn', json_extract(value, '$.msisdn'), 'pool', ?1), ?2, ?2 FROM json_each(?3)`,
    )
      .bind(pool, new Date().toISOString(), JSON.stringify(more))
      .run();
    const golden = await item("phone_number", { msisdn: `+33665${digits(6)}`, pool, golden: true });
    const mobile = await item("phone_number", { msisdn: `+33666${digits(6)}`, pool });
    const { plan, customer } = await mobilePlanFrom(pool, "Next");
    const order = () => api("POST", `/customers/${customer.id}/services`, { body: { product_id: plan.id }, headers: idem() });

    const first = await order();
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const serviceId = first.body.service.id;
    expect((await api("GET", `/inventory/items/${mobile.id}`)).body).toMatchObject({ status: "reserved", service_id: serviceId });
    expect((await api("GET", `/inventory/items/${fixed.id}`)).body).toMatchObject({ status: "in_stock", service_id: null });
    expect((await api("GET", `/inventory/items/${golden.id}`)).body).toMatchObject({ status: "in_stock", service_id: null });

    // Left in the pool: a fixed-line number (does not fit) and a golden one (only when picked): a 409 that says why.
    const none = await order();
    expect(none.status).toBe(409);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(none.body.detail).toContain("No phone_number available in stock for this order that fits the product");
    expect(none.body.inventory_type).toBe("phone_number");
    expect((await api("GET", `/inventory/items/${fixed.id}`)).body.status).toBe("in_stock");
    expect((await api("GET", `/services?customer_id=${customer.id}`)).body.data).toHaveLength(1);
  });

  it("gives each of 12 racing orders its own fitting number from a pool of 12 (the ones lined up taken, it lines up the next)", async () => {
    const pool = unique("racepool").toLowerCase();
    const numbers = [];
    for (let i = 0; i < 12; i++) numbers.push(await item("phone_number", { msisdn: `+33667${digits(6)}`, pool }));
    const { plan, customer } = await mobilePlanFrom(pool, "Race");
    const orders = await Promise.all(numbers.map(() => api("POST", `/customers/${customer.id}/services`, { body: { product_id: plan.id }, headers: idem() })));
    expect(orders.map((o) => o.status)).toEqual(numbers.map(() => 202));
    const taken = orders.map((o) => o.body.service.identifiers.msisdn as string);
    expect(new Set(taken).size).toBe(12);
    expect(taken.sort()).toEqual(numbers.map((n) => n.fields.msisdn).sort());
  });
});
