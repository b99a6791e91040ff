/** Feedback and safety on the admin pages: one-time notices after actions, confirmations with a reason, the plan change preview. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServiceStatePort } from "../domain/services/port";
import { api, pageSession, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
let n = 0;
const idem = () => ({ "idempotency-key": `fb-${Date.now().toString(36)}-${n++}` });

/** The text of the #flash region of a page ("" when it holds nothing). */
function flash(html: string): string {
  const m = html.match(/<div id="flash"[^>]*>(?:<div class="alert success" data-notice="true">([^<]*)<\/div>)?<\/div>/);
  expect(m, "the page has a #flash region").toBeTruthy();
  return m?.[1] ?? "";
}

type ActivityRow = { action: string; changes: Record<string, { before: unknown; after: unknown }> };
async function activity(entity: string, id: string): Promise<ActivityRow[]> {
  return (await api("GET", `/activity?entity=${entity}&entity_id=${id}`)).body.data;
}

/** A mobile plan taking a number from a pool of its own, and an active service on it holding that number. */
async function activeService(price = 2000) {
  const pool = unique("fbpool");
  const msisdn = `+336${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const number = await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn, pool } } });
  expect(number.status, JSON.stringify(number.body)).toBe(201);
  const slug = unique("fb-plan")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-");
  const product = await api("POST", "/products", {
    body: {
      name: `Feedback ${slug}`,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: price,
      provisioning_play: "charging_account",
      required_inventory: ["phone_number"],
      provisioning_json_vars: { number_pool: pool },
      included_balances: [{ unit: "data", amount: 2 ** 30, validity_days: 30 }],
    },
  });
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  const customer = (await api("POST", "/customers", { body: { name: unique("Feedback Co"), type: "business", payment_type: "prepaid" } })).body;
  const ordered = await api("POST", `/customers/${customer.id}/services`, { body: { product_id: product.body.id }, headers: idem() });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
  const id: string = ordered.body.service.id;
  expect((await state(id).transition(id, "start_provisioning", { ...OP, key: "l" })).ok).toBe(true);
  const activated = await state(id).transition(id, "activate", {
    ...OP,
    key: "a",
    identifiers: { msisdn },
    grants: [{ unit: "data", amount: 2 ** 30, validity_days: 30 }],
  });
  expect(activated.ok).toBe(true);
  return { id, msisdn, customer, product: product.body, slug };
}

const statusOf = async (path: string) => (await api("GET", path)).body.status;

describe("one-time notices", () => {
  it("says what happened once after the redirect, as text, and not on the next page load", async () => {
    const s = await pageSession("admin");
    const name = unique("Dupont <b>SARL</b>");
    const created = await s.post("/admin/customers/new", { name, type: "business", payment_type: "postpaid", currency: "EUR" });
    expect(created.status).toBe(303);
    const set = created.headers.getSetCookie().find((c) => c.startsWith("obss_notice="));
    expect(set).toMatch(/Path=\/admin/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    const location = created.headers.get("location") ?? "";
    // An htmx fragment request in between leaves the notice for the page.
    const fragment = await s.get("/admin/customers?q=zz", { "hx-request": "true", "hx-target": "customer-results" });
    expect(fragment.headers.getSetCookie().some((c) => c.startsWith("obss_notice="))).toBe(false);
    expect(await fragment.text()).not.toContain("created.");
    const page = await (await s.get(location)).text();
    expect(flash(page)).toContain(`Customer ${name.replace("<b>", "&lt;b&gt;").replace("</b>", "&lt;/b&gt;")} created.`);
    expect(page).not.toContain("<b>SARL</b>");
    expect(flash(await (await s.get(location)).text())).toBe("");
  });

  it("names the thing for a representative set of actions", async () => {
    const s = await pageSession("admin");
    const { id, msisdn, customer } = await activeService();
    const cases: [string, Record<string, string>, RegExp][] = [
      [
        `/admin/customers/${customer.id}/contacts/new`,
        { first_name: "Lou", last_name: "Reed", email: "lou@example.com" },
        /Contact Lou Reed added to Feedback Co/,
      ],
      [`/admin/customers/${customer.id}/tags`, { tags: "gold, north" }, /Tags of Feedback Co .* set: gold, north\./],
      [`/admin/services/${id}/top-ups`, { key: unique("t"), amount: "10.00" }, new RegExp(`Top-up of €10\\.00 added to service \\${msisdn}\\.`)],
      ["/admin/tax-rates", { tax_class: unique("fbtax").replace(/\s/g, ""), name: "Feedback rate", rate: "5.5" }, /Tax rate Feedback rate created\./],
    ];
    for (const [path, form, expected] of cases) {
      const res = await s.post(path, form);
      expect(res.status, `${path}: ${res.status === 303 ? "" : await res.text()}`).toBe(303);
      expect(flash(await (await s.get(res.headers.get("location") ?? "")).text())).toMatch(expected);
    }
  });
});

describe("confirmations with a reason", () => {
  it("suspends and resumes a service only with a reason, kept in the activity entry", async () => {
    const s = await pageSession("admin");
    const { id, msisdn } = await activeService();
    const service = await (await s.get(`/admin/services/${id}`)).text();
    expect(service).toContain(`href="/admin/services/${id}/action/suspend"`);
    const confirm = await s.get(`/admin/services/${id}/action/suspend`);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain(`Suspend ${msisdn}?`);
    expect(html).toMatch(/<textarea id="f-reason" name="reason"[^>]*required/);
    expect(html).toContain(`<a class="button" href="/admin/services/${id}">Cancel</a>`);
    const key = html.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    // An action the service's status does not allow: said on the page, the button disabled.
    const notNow = await s.get(`/admin/services/${id}/action/resume`);
    expect(notNow.status).toBe(409);
    const notNowHtml = await notNow.text();
    expect(notNowHtml).toContain("This service is active: it cannot be resumed now.");
    expect(notNowHtml).toMatch(/<button type="submit" class="button primary" disabled="">/);
    expect((await s.get(`/admin/services/${id}/action/delete`)).status).toBe(404);

    for (const reason of ["", "no"]) {
      const refused = await s.post(`/admin/services/${id}/action`, { action: "suspend", key, reason });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain("Give a reason of at least 3 characters.");
      expect(await statusOf(`/services/${id}`)).toBe("active");
    }
    const tooLong = await s.post(`/admin/services/${id}/action`, { action: "suspend", key, reason: "x".repeat(501) });
    expect(tooLong.status).toBe(422);
    expect(await statusOf(`/services/${id}`)).toBe("active");

    const done = await s.post(`/admin/services/${id}/action`, { action: "suspend", key, reason: "  Customer reported the phone stolen  " });
    expect(done.status).toBe(303);
    expect(await statusOf(`/services/${id}`)).toBe("suspended");
    expect(flash(await (await s.get(done.headers.get("location") ?? "")).text())).toContain(`Service ${msisdn} suspended.`);
    const suspended = (await activity("service", id)).find((a) => a.action === "service.suspend");
    expect(suspended?.changes.reason).toEqual({ before: null, after: "Customer reported the phone stolen" });

    expect((await s.get(`/admin/services/${id}/action/resume`)).status).toBe(200);
    const resumed = await s.post(`/admin/services/${id}/action`, { action: "resume", key: unique("r"), reason: "Phone found" });
    expect(resumed.status).toBe(303);
    expect(await statusOf(`/services/${id}`)).toBe("active");
    expect((await activity("service", id)).find((a) => a.action === "service.resume")?.changes.reason?.after).toBe("Phone found");
  });

  it("says what terminating does (number quarantined, balances forfeited, no undo) and needs a reason", async () => {
    const s = await pageSession("admin");
    const { id, msisdn } = await activeService();
    const days = (await api("GET", "/settings")).body.number_quarantine_days as number;
    const html = await (await s.get(`/admin/services/${id}/action/terminate`)).text();
    expect(html).toContain("This cannot be undone.");
    expect(html).toMatch(new RegExp(`<code>\\${msisdn}</code> \\(phone number\\): quarantined for ${days} days`));
    expect(html).toContain("Balances forfeited");
    expect(html).toMatch(/1\.00 GB of data .*lost, not refunded/);
    const refused = await s.post(`/admin/services/${id}/action`, { action: "terminate", key: unique("t") });
    expect(refused.status).toBe(422);
    expect(await statusOf(`/services/${id}`)).toBe("active");
    const done = await s.post(`/admin/services/${id}/action`, { action: "terminate", key: unique("t"), reason: "Contract ended" });
    expect(done.status).toBe(303);
    expect(await statusOf(`/services/${id}`)).toBe("terminating");
    expect((await activity("service", id)).find((a) => a.action === "service.terminate")?.changes.reason?.after).toBe("Contract ended");
    // The API takes the same optional reason.
    const other = await activeService();
    expect((await api("POST", `/services/${other.id}/suspend`, { body: { reason: "Asked by API" }, headers: idem() })).status).toBe(202);
    expect((await activity("service", other.id)).find((a) => a.action === "service.suspend")?.changes.reason?.after).toBe("Asked by API");
  });

  it("closes, suspends and archives a customer only with a reason", async () => {
    const s = await pageSession("admin");
    const customer = (await api("POST", "/customers", { body: { name: unique("Closing Co"), type: "business" } })).body;
    const page = await (await s.get(`/admin/customers/${customer.id}`)).text();
    for (const t of ["suspend", "close", "archive"]) expect(page).toContain(`href="/admin/customers/${customer.id}/status/${t}"`);
    const confirm = await s.get(`/admin/customers/${customer.id}/status/close`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("Why close this customer?");
    const refused = await s.post(`/admin/customers/${customer.id}/transition`, { transition: "close", confirmed: "1", reason: " " });
    expect(refused.status).toBe(422);
    expect(await statusOf(`/customers/${customer.id}`)).toBe("open");
    const closed = await s.post(`/admin/customers/${customer.id}/transition`, { transition: "close", confirmed: "1", reason: "Moved abroad" });
    expect(closed.status).toBe(303);
    expect(await statusOf(`/customers/${customer.id}`)).toBe("closed");
    expect(flash(await (await s.get(closed.headers.get("location") ?? "")).text())).toContain(`Customer ${customer.name} closed.`);
    expect((await activity("customer", customer.id)).find((a) => a.action === "customer.close")?.changes.reason?.after).toBe("Moved abroad");
    // Archive: the same, from its own confirmation; reopen stays one click.
    expect((await s.post(`/admin/customers/${customer.id}/transition`, { transition: "archive", confirmed: "1" })).status).toBe(422);
    expect(await statusOf(`/customers/${customer.id}`)).toBe("closed");
    expect((await s.post(`/admin/customers/${customer.id}/transition`, { transition: "reopen" })).status).toBe(303);
    expect(await statusOf(`/customers/${customer.id}`)).toBe("open");
    const suspended = await s.post(`/admin/customers/${customer.id}/transition`, { transition: "suspend", confirmed: "1", reason: "Unpaid since May" });
    expect(suspended.status).toBe(303);
    expect((await activity("customer", customer.id)).find((a) => a.action === "customer.suspend")?.changes.reason?.after).toBe("Unpaid since May");
  });

  it("voids an invoice only from its confirmation, with a reason kept on the invoice and in the activity log", async () => {
    const s = await pageSession("admin");
    const customer = (await api("POST", "/customers", { body: { name: unique("Void Co"), type: "business" } })).body;
    await api("POST", "/transactions", {
      body: { customer_id: customer.id, kind: "charge", description: "Setup", amount: 1000, currency: "EUR" },
      headers: idem(),
    });
    const year = new Date().getUTCFullYear();
    const invoice = await api("POST", "/invoices", { body: { customer_id: customer.id, period_start: `${year}-01-01`, period_end: `${year}-12-31` } });
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    const id = invoice.body.id as string;
    expect(await (await s.get(`/admin/invoices/${id}`)).text()).toContain(`href="/admin/invoices/${id}/void"`);
    const confirm = await s.get(`/admin/invoices/${id}/void`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("its transactions go back to be billed");
    const refused = await s.post(`/admin/invoices/${id}/void`, {});
    expect(refused.status).toBe(422);
    expect(await statusOf(`/invoices/${id}`)).toBe("draft");
    const done = await s.post(`/admin/invoices/${id}/void`, { reason: "Billed the wrong customer" });
    expect(done.status).toBe(303);
    expect(await statusOf(`/invoices/${id}`)).toBe("void");
    expect((await activity("invoice", id)).find((a) => a.action === "invoice.void")?.changes.reason?.after).toBe("Billed the wrong customer");
  });
});

describe("plan change preview", () => {
  it("says what is credited, what is charged and what happens to each balance before anything changes", async () => {
    const { id, product } = await activeService(2000);
    const slug = unique("fb-big")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-");
    const bigger = await api("POST", "/products", {
      body: {
        name: `Bigger ${slug}`,
        slug,
        type: "standalone",
        service_type: "mobile",
        status: "active",
        retail_price: 4000,
        provisioning_play: "charging_account",
        required_inventory: ["phone_number"],
        provisioning_json_vars: product.provisioning_json_vars,
        included_balances: [{ unit: "data", amount: 5 * 2 ** 30, validity_days: 30 }],
      },
    });
    expect(bigger.status, JSON.stringify(bigger.body)).toBe(201);
    const s = await pageSession("admin");
    const page = await (await s.get(`/admin/services/${id}`)).text();
    expect(page).toContain(`action="/admin/services/${id}/change-plan"`);
    const preview = await s.get(`/admin/services/${id}/change-plan?product_id=${bigger.body.id}`);
    expect(preview.status).toBe(200);
    const html = await preview.text();
    const amount = (line: string) => Number(html.match(new RegExp(`data-amount="(-?\\d+)" data-line="${line}"`))?.[1]);
    expect(amount("credit")).toBeGreaterThan(0);
    expect(amount("charge")).toBeGreaterThan(amount("credit"));
    expect(amount("net")).toBe(amount("charge") - amount("credit"));
    expect(html).toContain("€20.00 → €40.00 a month");
    expect(html).toContain("more to pay");
    expect(html).toContain("billed on the customer&#39;s next invoice");
    expect(html.match(/data-rule="removed"/g)).toHaveLength(1);
    expect(html.match(/data-rule="granted"/g)).toHaveLength(1);
    expect(html).toContain("what is left of them is lost");
    expect((await api("GET", `/services/${id}`)).body.product_id).toBe(product.id);
  });
});
