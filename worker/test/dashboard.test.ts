import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { divideHalfEven, expiringCardCount, monthlyRecurringRevenue } from "../db/queries/dashboard";
import { formatMoney } from "../views/format";
import { api, db, pageSession, unique } from "./helpers";

/**
 * A currency no other test prices in, so that the revenue and overdue figures of that currency are
 * exactly what this file seeds (the database is shared by every test file).
 */
const CUR = "MUR";
let customerId = "";

const slugOf = (prefix: string) =>
  unique(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);

async function product(period: "monthly" | "annual" | "none", price: number): Promise<string> {
  const slug = slugOf(`dash-${period}`);
  const res = await api("POST", "/products", {
    body: {
      name: `Dash ${period} ${slug}`,
      slug,
      type: "standalone",
      service_type: "fixed_internet",
      status: "active",
      currency: CUR,
      retail_price: price,
      recurring_period: period,
      provisioning_play: "charging_account",
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** A service ordered and made active (as the runner's outcome would through its object). */
async function activeService(productId: string, status: "active" | "failed" = "active"): Promise<string> {
  const order = await api("POST", `/customers/${customerId}/services`, {
    body: { product_id: productId },
    headers: { "idempotency-key": slugOf("dash-order") },
  });
  expect(order.status, JSON.stringify(order.body)).toBe(202);
  const id: string = order.body.service.id;
  const state = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
  const op = { actor: { type: "system" as const, id: null, label: "dashboard test" }, requestId: null, now: new Date().toISOString() };
  await state.transition(id, "start_provisioning", { ...op, key: "provisioning" });
  if (status === "active") await state.transition(id, "activate", { ...op, key: "active", identifiers: {}, grants: [] });
  else await state.transition(id, "fail", { ...op, key: "fail" });
  return id;
}

/** The text of a dashboard tile (`<a … id="stat-…">…</a>`), or "" when it is not there. */
function tile(html: string, id: string): string {
  return html.match(new RegExp(`<a [^>]*id="${id}"[^>]*>.*?</a>`, "s"))?.[0] ?? "";
}

beforeAll(async () => {
  customerId = (await api("POST", "/customers", { body: { name: unique("Dashboard Ltd"), type: "business", payment_type: "postpaid", currency: CUR } })).body
    .id;
});

describe("monthly recurring revenue", () => {
  it("adds monthly prices and a twelfth of annual ones, per currency, in integer minor units rounded half-even once", async () => {
    expect(divideHalfEven(10_000, 12)).toBe(833);
    expect(divideHalfEven(20_000, 12)).toBe(1667);
    expect(divideHalfEven(18, 12)).toBe(2); // 1.5 → 2 (even)
    expect(divideHalfEven(30, 12)).toBe(2); // 2.5 → 2 (even)
    const monthly = await product("monthly", 1500);
    const annual = await product("annual", 10_000);
    const oneOff = await product("none", 99_900);
    await activeService(monthly);
    await activeService(annual);
    await activeService(annual);
    await activeService(oneOff);
    // Not active: brings nothing.
    await activeService(monthly, "failed");
    const mrr = (await monthlyRecurringRevenue(db())).find((m) => m.currency === CUR);
    // 1500 + (10000 + 10000) / 12 = 1500 + 1666.67 → 3167
    expect(mrr).toEqual({ currency: CUR, amount: 3167 });
    expect(Number.isInteger(mrr?.amount)).toBe(true);

    const html = await (await (await pageSession("billing")).get("/admin")).text();
    const revenue = tile(html, "stat-mrr");
    expect(revenue).toContain(`<span data-currency="${CUR}">${formatMoney(3167, CUR)}</span>`);
    expect(revenue).toContain('href="/admin/services?status=active"');
  });
});

describe("the operator's dashboard", () => {
  it("counts active services by type, today's activations and failures, each linked to its list", async () => {
    const page = await pageSession("admin");
    const before = await (await page.get("/admin")).text();
    const count = (html: string, id: string) => Number((tile(html, id).match(/<div class="stat-value">([\d,]+)<\/div>/)?.[1] ?? "-1").replace(/,/g, ""));
    const fixed = (html: string) =>
      Number(
        tile(html, "stat-active-services")
          .match(/Fixed internet ([\d,]+)/)?.[1]
          ?.replace(/,/g, "") ?? "0",
      );
    const monthly = await product("monthly", 500);
    await activeService(monthly);
    await activeService(monthly, "failed");
    const after = await (await page.get("/admin")).text();
    expect(count(after, "stat-active-services")).toBe(count(before, "stat-active-services") + 1);
    expect(fixed(after)).toBe(fixed(before) + 1);
    expect(count(after, "stat-activated")).toBe(count(before, "stat-activated") + 1);
    expect(count(after, "stat-failed")).toBe(count(before, "stat-failed") + 1);
    expect(tile(after, "stat-activated")).toMatch(/href="\/admin\/activity\?action=service\.activate&amp;from=\d{4}-\d{2}-\d{2}&amp;to=\d{4}-\d{2}-\d{2}"/);
    expect(tile(after, "stat-failed")).toContain("action=service.fail");
    // The runner's health stays (last pull, jobs in flight).
    expect(after).toContain('id="runner-health"');
    expect(after).toMatch(/\d+ in flight/);
  });

  it("shows overdue invoices (count and amount, linked to the overdue list) and cards expiring within 60 days", async () => {
    const now = new Date().toISOString();
    await env.DB.prepare(
      `INSERT INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount, total_amount, amount_due, due_date, issued_at, created_at, updated_at)
       VALUES (?1, 'invoice', 'INV', ?2, ?3, 'issued', '2020-01-01', '2020-02-01', ?4, 4200, 0, 4200, 4200, '2020-02-15', '2020-02-01T00:00:00.000Z', ?5, ?5)`,
    )
      .bind(`inv_dash${Date.now().toString(36)}`, `DASH-${Date.now().toString(36)}`, customerId, CUR, now)
      .run();
    const cardsBefore = await expiringCardCount(db(), now);
    const soon = new Date(Date.now() + 20 * 86_400_000);
    const later = new Date(Date.now() + 400 * 86_400_000);
    for (const [i, when] of [soon, later].entries()) {
      await env.DB.prepare(
        `INSERT INTO payment_methods (id, customer_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, is_default, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'visa', '4242', ?4, ?5, 0, 'active', ?6, ?6)`,
      )
        .bind(
          `pm_dash${i}${Date.now().toString(36)}`,
          customerId,
          `pm_sim_dash${i}${Date.now().toString(36)}`,
          when.getUTCMonth() + 1,
          when.getUTCFullYear(),
          now,
        )
        .run();
    }
    const cards = await expiringCardCount(db(), now);
    expect(cards).toBe(cardsBefore + 1);

    const html = await (await (await pageSession("billing")).get("/admin")).text();
    const overdue = tile(html, "stat-overdue");
    expect(overdue).toContain('href="/admin/invoices?overdue=true"');
    expect(overdue).toContain(`<span data-currency="${CUR}">${formatMoney(4200, CUR)}</span>`);
    expect(overdue).toMatch(/Overdue invoices?: \d+/);
    const expiring = tile(html, "stat-expiring-cards");
    expect(expiring).toContain('href="/admin/payments/expiring-cards"');
    expect(expiring).toContain(`<div class="stat-value">${cards.toLocaleString("en-GB")}</div>`);
  });

  it("lists inventory types below their low-stock threshold", async () => {
    const slug = slugOf("dash_low").replace(/-/g, "_").slice(0, 38);
    const type = await api("POST", "/inventory/templates", {
      body: { slug, name: `Low ${slug}`, fields: [{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }], low_stock_threshold: 5 },
    });
    expect(type.status, JSON.stringify(type.body)).toBe(201);
    for (let i = 0; i < 2; i++) expect((await api("POST", "/inventory/items", { body: { type: slug, fields: { serial: unique("S") } } })).status).toBe(201);
    const html = await (await (await pageSession("admin")).get("/admin")).text();
    const low = tile(html, "stat-low-stock");
    expect(low).toContain('href="/admin/inventory"');
    expect(low).toContain(`Low ${slug}: 2 in stock (alert below 5)`);
  });

  it("shows no money to a user without billing permissions", async () => {
    const html = await (await (await pageSession("provisioning")).get("/admin")).text();
    expect(tile(html, "stat-active-services")).not.toBe("");
    for (const id of ["stat-mrr", "stat-overdue", "stat-expiring-cards"]) expect(html).not.toContain(`id="${id}"`);
    expect(html).not.toContain("data-currency=");
    expect(html).not.toContain(formatMoney(3167, CUR));
  });

  it("shows business events by default, and every entry (sign-ins too) when asked", async () => {
    const page = await pageSession("admin");
    const business = await (await page.get("/admin")).text();
    expect(business).toContain("Recent business events");
    expect(business).not.toContain("<code>auth.login</code>");
    expect(business).toContain('href="/admin?activity=all"');
    const all = await (await page.get("/admin?activity=all")).text();
    // The sign-in of this very session is among the latest entries.
    expect(all).toContain("<code>auth.login</code>");
  });
});
