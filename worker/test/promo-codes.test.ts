import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { customer, period, product, runToEnd, service, startRun } from "./billing-helpers";
import { api, countRows, pageSession, unique } from "./helpers";

const code = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
let seq = 0;
const order = (customerId: string, productId: string, promo?: string) =>
  api("POST", `/customers/${customerId}/services`, {
    body: { product_id: productId, ...(promo === undefined ? {} : { promo_code: promo }) },
    headers: { "idempotency-key": `promo-order-${Date.now()}-${seq++}-${Math.random()}` },
  });

describe("promo codes", () => {
  it("are created with their terms checked; bad input is a 422 naming the field and writes nothing", async () => {
    const before = await countRows("promo_codes");
    for (const [body, path] of [
      [{ code: "x", kind: "percent", value: 10 }, "code"],
      [{ code: code("BAD"), kind: "percent", value: 150 }, "value"],
      [{ code: code("BAD"), kind: "bogus", value: 1 }, "kind"],
      [{ code: code("BAD"), kind: "fixed", value: 100, valid_from: "2030-02-01", valid_until: "2030-01-01" }, "valid_until"],
      [{ code: code("BAD"), kind: "fixed", value: 100, eligible_products: ["prd_nope"] }, "eligible_products.0"],
      [{ code: code("BAD"), kind: "fixed", value: 100, surprise: true }, ""],
    ] as const) {
      const res = await api("POST", "/promo-codes", { body });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await countRows("promo_codes")).toBe(before);
    const name = code("WELCOME");
    const made = await api("POST", "/promo-codes", { body: { code: name.toLowerCase(), kind: "percent", value: 10, months: 3, max_redemptions: 5 } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ code: name, kind: "percent", value: 10, months: 3, redemptions: 0, status: "active" });
    // Codes are case-insensitive: the same one again is a conflict.
    expect((await api("POST", "/promo-codes", { body: { code: name, kind: "fixed", value: 1 } })).status).toBe(409);
    const patched = await api("PATCH", `/promo-codes/${made.body.id}`, { body: { status: "disabled", max_redemptions: 7 } });
    expect(patched.body).toMatchObject({ status: "disabled", max_redemptions: 7, value: 10 });
    expect((await api("PATCH", `/promo-codes/${made.body.id}`, { body: { value: 50 } })).status).toBe(422);
    expect((await api("GET", "/promo-codes")).body.data.map((p: { id: string }) => p.id)).toContain(made.body.id);
  });

  it("redeems a 10-use code exactly 10 times out of 100 concurrent orders; the others are refused and create nothing", async () => {
    const plan = await product(2000);
    const promo = await api("POST", "/promo-codes", { body: { code: code("RUSH"), kind: "percent", value: 20, max_redemptions: 10 } });
    const customerId = await customer();
    const services = await countRows("services");
    const results = await Promise.all(Array.from({ length: 100 }, () => order(customerId, plan.id, promo.body.code)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    expect(results.find((r) => r.status === 409)?.body.detail).toContain("fully redeemed");
    expect((await api("GET", `/promo-codes/${promo.body.id}`)).body.redemptions).toBe(10);
    expect(await countRows("services")).toBe(services + 10);
    const discounts = await env.DB.prepare("SELECT count(*) AS n FROM service_discounts WHERE promo_code_id = ?").bind(promo.body.id).first<{ n: number }>();
    expect(discounts?.n).toBe(10);
  });

  it("refuses an unknown, disabled, expired or ineligible code with a 422 on promo_code, and the order is not placed", async () => {
    const plan = await product(1500);
    const other = await product(1500);
    const customerId = await customer();
    const expired = await api("POST", "/promo-codes", { body: { code: code("OLD"), kind: "fixed", value: 100, valid_until: "2020-12-31" } });
    const narrow = await api("POST", "/promo-codes", { body: { code: code("NARROW"), kind: "fixed", value: 100, eligible_products: [other.id] } });
    const off = await api("POST", "/promo-codes", { body: { code: code("OFF"), kind: "fixed", value: 100 } });
    await api("PATCH", `/promo-codes/${off.body.id}`, { body: { status: "disabled" } });
    const services = await countRows("services");
    for (const c of ["NOPE-NOPE", expired.body.code, narrow.body.code, off.body.code]) {
      const res = await order(customerId, plan.id, c);
      expect(res.status, c).toBe(422);
      expect(res.body.errors[0].path).toBe("promo_code");
    }
    expect(await countRows("services")).toBe(services);
  });

  it("shows the discount on the invoices it covers, as a line, with its tax; the invoice total is the sum of its lines", async () => {
    const plan = await product(3000);
    const promo = await api("POST", "/promo-codes", { body: { code: code("TENOFF"), kind: "percent", value: 10, months: 1 } });
    const customerId = await customer();
    const placed = await order(customerId, plan.id, promo.body.code.toLowerCase());
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    const serviceId = placed.body.service.id as string;
    const month = new Date().toISOString().slice(0, 7);
    // Live since the start of the month (as the lifecycle would leave it once provisioned).
    await env.DB.prepare("UPDATE services SET status = 'active', activated_at = ? WHERE id = ?").bind(`${month}-01T00:00:00.000Z`, serviceId).run();
    const run = await startRun(month);
    expect((await runToEnd(run.job_id)).outcome).toBe("done");
    const invoice = await env.DB.prepare("SELECT id, subtotal_amount, tax_amount, total_amount FROM invoices WHERE customer_id = ? AND period_start = ?")
      .bind(customerId, period(month).period_start)
      .first<{ id: string; subtotal_amount: number; tax_amount: number; total_amount: number }>();
    const { results: lines } = await env.DB.prepare("SELECT description, amount, tax_amount FROM invoice_lines WHERE invoice_id = ? ORDER BY position")
      .bind(invoice?.id)
      .all<{ description: string; amount: number; tax_amount: number }>();
    const discount = lines.find((l) => l.description.startsWith(`Promo ${promo.body.code}`));
    expect(discount).toMatchObject({ amount: -300, tax_amount: -60 });
    expect(lines.find((l) => l.amount === 3000)).toBeTruthy();
    expect(invoice?.total_amount).toBe(lines.reduce((n, l) => n + l.amount + l.tax_amount, 0));
    // The next month, the one-month discount is over.
    const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString().slice(0, 7);
    const run2 = await startRun(next);
    expect((await runToEnd(run2.job_id)).outcome).toBe("done");
    const later = await env.DB.prepare(
      "SELECT count(*) AS n FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.customer_id = ? AND i.period_start = ? AND l.description LIKE 'Promo %'",
    )
      .bind(customerId, `${next}-01`)
      .first<{ n: number }>();
    expect(later?.n).toBe(0);
  });

  it("a promotion product attached to a service takes effect the same way: a discount line for the months it covers", async () => {
    const plan = await product(4000);
    const promo = await api("POST", "/products", {
      body: {
        name: unique("Half price"),
        slug: unique("half")
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .slice(0, 40),
        type: "promotion",
        service_type: "other",
        status: "active",
        retail_price: 0,
        promotion: { kind: "percent", value: 50, months: 2 },
        compatible_with: [plan.id],
      },
    });
    expect(promo.status, JSON.stringify(promo.body)).toBe(201);
    const customerId = await customer();
    const serviceId = await service(customerId, plan.id, "2033-01-01T00:00:00.000Z");
    // Attached in February 2033 (as POST /services/{id}/addons records it).
    await env.DB.prepare(
      "INSERT INTO service_addons (id, service_id, product_id, product_version_id, created_at) VALUES (?, ?, ?, ?, '2033-02-10T09:00:00.000Z')",
    )
      .bind(`sad_${Date.now()}`, serviceId, promo.body.id, promo.body.version_id ?? "v")
      .run();
    const discountOf = async (ym: string) => {
      const run = await startRun(ym);
      expect((await runToEnd(run.job_id)).outcome).toBe("done");
      const row = await env.DB.prepare(
        "SELECT l.amount FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.customer_id = ? AND i.period_start = ? AND l.description LIKE 'Promo %'",
      )
        .bind(customerId, `${ym}-01`)
        .first<{ amount: number }>();
      return row?.amount ?? 0;
    };
    expect(await discountOf("2033-02")).toBe(-2000);
    expect(await discountOf("2033-03")).toBe(-2000);
    expect(await discountOf("2033-04")).toBe(0);
  });

  it("the pages: list, create with inline errors, disable; the order form takes a code", async () => {
    const s = await pageSession("billing");
    expect((await s.get("/admin/promo-codes")).status).toBe(200);
    const before = await countRows("promo_codes");
    const bad = await s.post("/admin/promo-codes", { code: code("PG"), kind: "percent", value: "150", months: "1" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("At most 100 %");
    expect(await countRows("promo_codes")).toBe(before);
    const name = code("PAGE");
    const made = await s.post("/admin/promo-codes", { code: name, kind: "fixed", value: "5.00", months: "2", max_redemptions: "3" });
    expect(made.status).toBe(303);
    const list = await (await s.get("/admin/promo-codes")).text();
    expect(list).toContain(name);
    expect(list).toContain("€5.00 off for 2 months");
    const row = await env.DB.prepare("SELECT id, value FROM promo_codes WHERE code = ?").bind(name).first<{ id: string; value: number }>();
    expect(row?.value).toBe(500);
    expect((await s.post(`/admin/promo-codes/${row?.id}/status`, { status: "disabled" })).status).toBe(303);
    expect((await api("GET", `/promo-codes/${row?.id}`)).body.status).toBe("disabled");
    const customerId = await customer();
    // The order form (staff who may order) takes a code.
    const form = await (await (await pageSession("admin")).get(`/admin/customers/${customerId}`)).text();
    expect(form).toContain('name="promo_code"');
  });
});
