import { describe, expect, it } from "vitest";
import { allocate } from "../domain/billing/reports/tax-report";
import { api, fetchWorker, pageSession, tokenFor, unique } from "./helpers";

const today = () => new Date().toISOString().slice(0, 10);
type Row = { currency: string; rate_bp: number; net_amount: number; tax_amount: number; gross_amount: number };
const report = async () => (await api("GET", `/reports/tax?period_start=${today()}&period_end=${today()}`)).body as { rows: Row[] };
const at = (rows: Row[], rate: number) => rows.find((r) => r.currency === "EUR" && r.rate_bp === rate) ?? { net_amount: 0, tax_amount: 0, gross_amount: 0 };

describe("the tax report", () => {
  it("sums issued invoices per rate and subtracts credit notes split over the credited invoice's rates", async () => {
    const cls = unique("rpt")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 30);
    // A rate no other test uses, so its row is this test's alone.
    const rate = 700 + Math.floor(Math.random() * 200);
    expect((await api("POST", "/tax-rates", { body: { tax_class: cls, name: "Report rate", rate_bp: rate } })).status).toBe(201);
    const before = await report();
    const customer = (await api("POST", "/customers", { body: { name: unique("Taxed"), type: "business", payment_type: "postpaid" } })).body.id;
    for (const [amount, taxClass] of [
      [10_000, cls],
      [30_000, cls],
    ] as const) {
      const t = await api("POST", "/transactions", {
        body: { customer_id: customer, kind: "charge", description: "Line", amount, currency: "EUR", tax_class: taxClass },
        headers: { "idempotency-key": `rpt-${Date.now()}-${amount}-${Math.random().toString(36).slice(2)}` },
      });
      expect(t.status, JSON.stringify(t.body)).toBe(201);
    }
    const draft = await api("POST", "/invoices", { body: { customer_id: customer, period_start: today(), period_end: today() } });
    await api("POST", `/invoices/${draft.body.id}/issue`);
    const tax = Math.round((40_000 * rate) / 10_000);
    const mid = await report();
    expect(at(mid.rows, rate).net_amount - at(before.rows, rate).net_amount).toBe(40_000);
    expect(at(mid.rows, rate).tax_amount - at(before.rows, rate).tax_amount).toBe(tax);
    // A partial credit note (a quarter of the gross) comes off this rate.
    const gross = 40_000 + tax;
    const credit = await api("POST", `/invoices/${draft.body.id}/credit-notes`, { body: { amount: gross / 4, reason: "Goodwill" } });
    expect(credit.status, JSON.stringify(credit.body)).toBe(201);
    const after = await report();
    expect(at(after.rows, rate).gross_amount - at(mid.rows, rate).gross_amount).toBe(-gross / 4);
    expect(at(after.rows, rate).tax_amount - at(mid.rows, rate).tax_amount).toBe(-credit.body.tax_amount);

    // CSV, by query or Accept header.
    const csv = await fetchWorker(`http://example.com/api/v1/reports/tax?period_start=${today()}&period_end=${today()}&format=csv`, {
      headers: { authorization: `Bearer ${await tokenFor("billing")}` },
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("period_start,period_end,currency,rate_bp,names,net_amount,tax_amount,gross_amount,documents");
    expect(text).toContain(`,EUR,${rate},Report rate,`);
    const accept = await fetchWorker(`http://example.com/api/v1/reports/tax?period_start=${today()}&period_end=${today()}`, {
      headers: { authorization: `Bearer ${await tokenFor("billing")}`, accept: "text/csv" },
    });
    expect(accept.headers.get("content-type")).toContain("text/csv");
  });

  it("refuses a missing or backwards period with the field named", async () => {
    const missing = await api("GET", "/reports/tax");
    expect(missing.status, JSON.stringify(missing.body)).toBe(422);
    const backwards = await api("GET", "/reports/tax?period_start=2026-02-01&period_end=2026-01-01");
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors[0].path).toBe("period_end");
    expect((await api("GET", "/reports/tax?period_start=2026-02-3x&period_end=2026-03-01")).status).toBe(422);
    // A query parameter longer than a date is refused by the query's schema, as everywhere: 400.
    expect((await api("GET", "/reports/tax?period_start=2026-02-30x&period_end=2026-03-01")).status).toBe(400);
  });

  it("allocates a split exactly: the parts always sum to the whole", () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    for (const [total, weights] of [
      [1001, [3, 5, 7]],
      [-999, [1, 2]],
      [0, [4, 4]],
      [17, [0, 0]],
    ] as const) {
      expect(allocate(total, [...weights]).reduce((a, b) => a + b, 0)).toBe(total);
    }
  });

  it("the page shows the report for a period and links its CSV; a bad period is shown inline", async () => {
    const s = await pageSession("billing");
    const page = await s.get(`/admin/reports/tax?period_start=${today()}&period_end=${today()}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Download CSV");
    // The page's CSV link works with the page's session (the API wants a token).
    const link = /href="(\/admin\/reports\/tax\.csv\?[^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const csv = await s.get(link);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).startsWith("period_start,period_end,currency,rate_bp")).toBe(true);
    expect(html).toContain("Total EUR");
    const bad = await s.get("/admin/reports/tax?period_start=2026-02-01&period_end=2026-01-01");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Must not be before period_start");
  });
});
