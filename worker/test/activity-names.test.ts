import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { dayIn, dayStartIn, periodOf } from "../domain/activity/filters";
import { serviceDocument } from "../domain/search/documents";
import { api, ensureUser, pageSession, unique } from "./helpers";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
/** An activity id made at `ms` (ULID time part + random), as the worker would have made it then. */
function idAt(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = Array.from({ length: 16 }, () => CROCKFORD[Math.floor(Math.random() * 32)]).join("");
  return `act_${time}${random}`;
}

/** An activity entry written as a use case would, at a given instant. */
async function entryAt(at: string, action: string, entityId: string, entity = "settings", changes: Record<string, unknown> = {}) {
  const id = idAt(Date.parse(at));
  await env.DB.prepare(
    "INSERT INTO activity_log (id, at, actor_type, actor_id, actor_label, entity, entity_id, customer_id, action, changes, request_id) VALUES (?, ?, 'system', NULL, 'test', ?, ?, NULL, ?, ?, NULL)",
  )
    .bind(id, at, entity, entityId, action, JSON.stringify(changes))
    .run();
  return id;
}

/** The rows (`<tr data-entry=…>…</tr>`) of the activity table, by entry id. */
function rows(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<tr data-entry="([^"]+)">(.*?)<\/tr>/gs)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

let customer = { id: "", name: "" };
let other = { id: "", name: "" };
let serviceId = "";
let productName = "";
let productId = "";
const MSISDN = `+3361${String(Date.now()).slice(-7)}`;

beforeAll(async () => {
  customer = (await api("POST", "/customers", { body: { name: unique("Names Holdings"), type: "business", payment_type: "prepaid" } })).body;
  other = (await api("POST", "/customers", { body: { name: unique("Other Party"), type: "individual" } })).body;
  const slug = unique("names")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  productName = `Names plan ${slug}`;
  const product = await api("POST", "/products", {
    body: { name: productName, slug, type: "standalone", service_type: "mobile", status: "active", retail_price: 1500, provisioning_play: "charging_account" },
  });
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  productId = product.body.id;
  const order = await api("POST", `/customers/${customer.id}/services`, {
    body: { product_id: product.body.id },
    headers: { "idempotency-key": unique("names-order").replace(/\s/g, "") },
  });
  expect(order.status, JSON.stringify(order.body)).toBe(202);
  serviceId = order.body.service.id;
  const service = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId));
  const op = { actor: { type: "system" as const, id: null, label: "names test" }, requestId: null, now: new Date().toISOString() };
  await service.transition(serviceId, "start_provisioning", { ...op, key: "provisioning" });
  await service.transition(serviceId, "activate", { ...op, key: "active", identifiers: { msisdn: MSISDN }, grants: [] });
  // The number is indexed as when it is allocated at ordering (this product takes no inventory).
  const doc = serviceDocument({ id: serviceId, customerId: customer.id, status: "active", identifiers: { msisdn: MSISDN } }, productName, customer.name);
  await env.DB.prepare("UPDATE search_docs SET title = ?, subtitle = ?, keywords = ? WHERE entity_id = ?")
    .bind(doc.title, doc.subtitle, doc.keywords, serviceId)
    .run();
});

describe("the activity log by name", () => {
  it("shows each subject by name with a link (the id on hover) and the customer it belongs to", async () => {
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/activity?customer_id=${customer.id}`)).text();
    expect(html).toContain(`<a href="/admin/customers/${customer.id}" title="customer ${customer.id}">${customer.name}</a>`);
    expect(html).toContain(`<a href="/admin/services/${serviceId}" title="service ${serviceId}">${productName} · ${MSISDN}</a>`);
    // The service's entries name the customer it belongs to, linked.
    const serviceRow = [...rows(html).values()].find((r) => r.includes("service.order")) ?? "";
    expect(serviceRow).toContain(`<a href="/admin/customers/${customer.id}" title="${customer.id}">${customer.name}</a>`);
    // Ids are no longer the text of the links.
    expect(html).not.toContain(`>${serviceId}</a>`);
    expect(html).not.toContain(`>${customer.id}</a>`);
  });

  it("names a page mixing every kind of subject in one round trip, and what no longer exists by its former name", async () => {
    const { id: userId, email } = await ensureUser("billing");
    const action = `test.kinds_${Date.now().toString(36)}`;
    const at = new Date().toISOString();
    // More kinds than D1 accepts in one compound SELECT: each is read by its own statement of one batch.
    const kinds = ["user", "role", "tax_rate", "promo_code", "product", "bill_run", "job", "broadcast", "payment", "invoice", "api_key", "webhook_endpoint"];
    for (const kind of kinds) await entryAt(at, action, kind === "user" ? userId : `${kind}_gone`, kind);
    const gone = await entryAt(at, action, "con_gone", "contact", { first_name: { before: "Kim", after: null }, last_name: { before: "Lee", after: null } });
    const res = await (await pageSession("support")).get(`/admin/activity?action=${action}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(rows(html).size).toBe(kinds.length + 1);
    expect(html).toContain(`<a href="/admin/users/${userId}" title="user ${userId}">Test billing</a>`);
    expect(html).toContain(email);
    expect(rows(html).get(gone)).toContain('<span title="contact con_gone">Kim Lee</span>');
    expect(rows(html).get(gone)).toContain("removed");
  });

  it("filters by the subject's name: a customer's name brings its entries, a number its service's, and nothing else", async () => {
    const page = await pageSession("support");
    const byName = await page.get(`/admin/activity?q=${encodeURIComponent(customer.name)}`);
    expect(byName.status).toBe(200);
    const named = await byName.text();
    expect(named).toContain("customer.create");
    expect(named).toContain("service.order");
    expect(named).not.toContain(other.name);

    const byNumber = await (await page.get(`/admin/activity?q=${encodeURIComponent(MSISDN)}`)).text();
    const numbered = [...rows(byNumber).values()];
    expect(numbered.length).toBeGreaterThan(0);
    expect(numbered.every((r) => r.includes(`/admin/services/${serviceId}"`))).toBe(true);

    const none = await page.get(`/admin/activity?q=${encodeURIComponent("zzqx-nobody-by-this-name")}`);
    expect(none.status).toBe(200);
    const empty = await none.text();
    expect(rows(empty).size).toBe(0);
    expect(empty).toContain("Nothing is called “zzqx-nobody-by-this-name”.");
  });

  it("filters by days in the operator's time zone, both ends inclusive", async () => {
    const settings = await api("GET", "/settings");
    const tz: string = settings.body.default_timezone;
    const action = `test.period_${Date.now().toString(36)}`;
    // Three entries: the last minute of 10 June, the first minute of 11 June, and 12 June, operator time.
    const june11 = Date.parse(dayStartIn("2021-06-11", tz));
    const late10 = await entryAt(new Date(june11 - 60_000).toISOString(), action, "period-a");
    const early11 = await entryAt(new Date(june11 + 60_000).toISOString(), action, "period-b");
    const on12 = await entryAt(new Date(june11 + 86_400_000 + 3_600_000).toISOString(), action, "period-c");
    expect(dayIn(new Date(june11 - 60_000), tz)).toBe("2021-06-10");
    const page = await pageSession("support");
    const list = async (query: string) => [...rows(await (await page.get(`/admin/activity?action=${action}&${query}`)).text()).keys()];
    expect(await list("from=2021-06-11&to=2021-06-11")).toEqual([early11]);
    expect(await list("from=2021-06-10&to=2021-06-11")).toEqual([early11, late10]);
    expect(await list("from=2021-06-11")).toEqual([on12, early11]);
    expect(await list("to=2021-06-10")).toEqual([late10]);
    expect(await list("")).toEqual([on12, early11, late10]);
  });

  it("refuses dates that are not dates, or an end before the start, with a message and a 400", async () => {
    const page = await pageSession("support");
    for (const [query, message] of [
      ["from=2025-02-30", "A date such as 2025-03-01"],
      ["to=yesterday", "A date such as 2025-03-31"],
      ["from=2025-03-10&to=2025-03-01", "The end date is before the start date"],
    ] as const) {
      const res = await page.get(`/admin/activity?${query}`);
      expect(res.status, query).toBe(400);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain('aria-invalid="true"');
      expect(rows(html).size).toBe(0);
    }
    expect(periodOf("2025-03-01", "2025-03-01", "UTC")).toEqual({ ok: true, period: { from: "2025-03-01T00:00:00.000Z", to: "2025-03-02T00:00:00.000Z" } });
    // The day a zone changes its clocks: 30 March 2025 began at 23:00 UTC the day before in Paris.
    expect(dayStartIn("2025-03-30", "Europe/Paris")).toBe("2025-03-29T23:00:00.000Z");
    expect(dayStartIn("2025-03-31", "Europe/Paris")).toBe("2025-03-30T22:00:00.000Z");
  });

  it("offers business events only: orders and activations, not sign-ins", async () => {
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/activity?kind=business&customer_id=${customer.id}`)).text();
    expect(html).toContain("service.order");
    const all = await (await page.get("/admin/activity?kind=business")).text();
    expect(all).not.toContain("<code>auth.login</code>");
  });
});

describe("search results by name", () => {
  it("link each hit by name with its id on hover, and name what it belongs to: a service's product and customer", async () => {
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/search?q=${encodeURIComponent(MSISDN)}`)).text();
    const item = html.match(new RegExp(`<li><a href="/admin/services/${serviceId}"(?:(?!</li>).)*</li>`, "s"))?.[0] ?? "";
    expect(item).toContain(`title="${serviceId}">${productName} · ${MSISDN}</a>`);
    expect(item).toContain(`product <a href="/admin/catalog/${productId}" title="${productId}">${productName}</a>`);
    expect(item).toContain(`customer <a href="/admin/customers/${customer.id}" title="${customer.id}">${customer.name}</a>`);

    const byCustomer = await (await page.get(`/admin/search?q=${encodeURIComponent(customer.name)}`)).text();
    expect(byCustomer).toContain(`<a href="/admin/customers/${customer.id}" title="${customer.id}">${customer.name}</a>`);
    const suggest = await (await page.get(`/admin/search/suggest?q=${encodeURIComponent(MSISDN)}`)).text();
    expect(suggest).toContain(`href="/admin/services/${serviceId}" title="${serviceId}"`);
  });
});
