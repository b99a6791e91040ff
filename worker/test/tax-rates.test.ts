import { env } from "cloudflare:test";
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { ensureDemoBilling } from "../domain/demo/billing";
import { product, service } from "./billing-helpers";
import { api, countRows, customerToken, fetchWorker, pageSession, testContext, tokenFor, unique } from "./helpers";

const cls = () =>
  unique("cls")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40);

describe("tax rates", () => {
  it("are created once per class, changed for future charges only, and refuse bad input without writing", async () => {
    const list = await api("GET", "/tax-rates");
    expect(list.status).toBe(200);
    expect(list.body.data.find((r: { tax_class: string }) => r.tax_class === "standard")).toMatchObject({ rate_bp: 2000 });

    const before = await countRows("tax_rates");
    const taxClass = cls();
    for (const body of [
      { tax_class: taxClass, name: "X", rate_bp: 10_001 },
      { tax_class: taxClass, name: "X", rate_bp: 5.5 },
      { tax_class: taxClass, name: "X", rate_bp: -1 },
      { tax_class: "Bad Class", name: "X", rate_bp: 550 },
      { tax_class: taxClass, name: "", rate_bp: 550 },
      { tax_class: taxClass, name: "X", rate_bp: 550, compound: true },
    ]) {
      expect((await api("POST", "/tax-rates", { body })).status, JSON.stringify(body)).toBe(422);
    }
    expect(await countRows("tax_rates")).toBe(before);

    // Ten at once for one class: one rate, nine 409s, no 500.
    const racing = await Promise.all(
      Array.from({ length: 10 }, () => api("POST", "/tax-rates", { body: { tax_class: taxClass, name: "Reduced", rate_bp: 550, jurisdiction: "FR" } })),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(9);
    const rate = racing.find((r) => r.status === 201)?.body;
    expect(rate).toMatchObject({ tax_class: taxClass, rate_bp: 550, jurisdiction: "FR", products: 0 });
    // Products are counted per class.
    const slug = unique("taxed-plan")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 50);
    const product = await api("POST", "/products", {
      body: { name: `Plan ${slug}`, slug, type: "standalone", service_type: "mobile", status: "draft", retail_price: 100, tax_class: taxClass },
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    const counted = (await api("GET", "/tax-rates")).body.data as { tax_class: string; products: number }[];
    expect(counted.find((r) => r.tax_class === taxClass)?.products).toBe(1);

    const customer = await api("POST", "/customers", { body: { name: unique("Taxed"), type: "business" } });
    const charge = (key: string) =>
      api("POST", "/transactions", {
        body: { customer_id: customer.body.id, kind: "charge", description: "Book", amount: 10_000, currency: "EUR", tax_class: taxClass },
        headers: { "idempotency-key": `${key}-${customer.body.id}` },
      });
    const first = await charge("a");
    expect(first.body).toMatchObject({ tax_rate_bp: 550, tax_amount: 550 });
    const changed = await api("PATCH", `/tax-rates/${rate.id}`, { body: { rate_bp: 1000 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ rate_bp: 1000, name: "Reduced", jurisdiction: "FR" });
    expect((await charge("b")).body).toMatchObject({ tax_rate_bp: 1000, tax_amount: 1000 });
    expect((await api("GET", `/transactions/${first.body.id}`)).body).toMatchObject({ tax_rate_bp: 550, tax_amount: 550 });
    expect((await api("PATCH", `/tax-rates/${rate.id}`, { body: { rate_bp: "ten" } })).status).toBe(422);
    expect((await api("PATCH", "/tax-rates/tax_nope", { body: { rate_bp: 100 } })).status).toBe(404);

    expect((await api("GET", "/tax-rates", { role: "read-only" })).status).toBe(200);
    expect((await api("POST", "/tax-rates", { role: "read-only", body: { tax_class: cls(), name: "X", rate_bp: 1 } })).status).toBe(403);
    const portal = await customerToken();
    expect((await api("GET", "/tax-rates", { role: null, headers: { authorization: `Bearer ${portal.token}` } })).status).toBe(403);
  });

  it("are managed from their page, the rate typed as a percent", async () => {
    const s = await pageSession("billing");
    expect((await s.get("/admin/tax-rates")).status).toBe(200);
    const taxClass = cls();
    const bad = await s.post("/admin/tax-rates", { tax_class: taxClass, name: "Super reduced", rate: "abc" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("A percentage such as 20 or 5.5");
    expect((await s.post("/admin/tax-rates", { tax_class: taxClass, name: "Super reduced", rate: "2,1", jurisdiction: "FR" })).status).toBe(303);
    const rate = (await api("GET", "/tax-rates")).body.data.find((r: { tax_class: string }) => r.tax_class === taxClass);
    expect(rate).toMatchObject({ rate_bp: 210, name: "Super reduced", jurisdiction: "FR" });
    const again = await s.post("/admin/tax-rates", { tax_class: taxClass, name: "Again", rate: "5" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already has a rate");
    expect((await s.post(`/admin/tax-rates/${rate.id}`, { name: "Super reduced", rate: "2.5", jurisdiction: "" })).status).toBe(303);
    expect((await api("GET", `/tax-rates/${rate.id}`)).body).toMatchObject({ rate_bp: 250, jurisdiction: null });
    const viewer = await pageSession("read-only");
    const html = await (await viewer.get("/admin/tax-rates")).text();
    expect(html).not.toContain("New tax rate");
    expect((await viewer.post("/admin/tax-rates", { tax_class: cls(), name: "X", rate: "1" })).status).toBe(403);
  });

  it("the demo seed adds its tax rates and last month's charges once", async () => {
    const customer = await api("POST", "/customers", {
      body: { name: unique("Demo Biz"), type: "business", payment_type: "postpaid", external_id: "DEMO-0000-billing" },
    });
    expect(customer.status).toBe(201);
    const plan = await product(1000);
    const serviceId = await service(customer.body.id, plan.id, "2026-01-01T00:00:00.000Z");
    await ensureDemoBilling(testContext());
    await ensureDemoBilling(testContext());
    // The promo code, once; last month's rated usage of the postpaid service, one row a day.
    const codes = (await api("GET", "/promo-codes?limit=200")).body.data as { code: string; redemptions: number }[];
    expect(codes.filter((c) => c.code === "WELCOME10")).toHaveLength(1);
    const usage = await env.DB.prepare("SELECT count(*) AS n, min(day) AS first FROM usage_records WHERE service_id = ? AND unit = 'monetary'")
      .bind(serviceId)
      .first<{ n: number; first: string }>();
    const today = new Date();
    expect(usage?.n).toBe(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0)).getUTCDate());
    expect(usage?.first).toBe(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString().slice(0, 10));
    const rates = (await api("GET", "/tax-rates")).body.data as { tax_class: string; rate_bp: number }[];
    expect(rates.find((r) => r.tax_class === "reduced")?.rate_bp).toBe(550);
    const charges = (await api("GET", `/transactions?customer_id=${customer.body.id}`)).body.data as { date: string; tax_rate_bp: number }[];
    expect(charges).toHaveLength(3);
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)).toISOString().slice(0, 7);
    expect(charges.every((t) => t.date.startsWith(lastMonth))).toBe(true);
    expect(charges.map((t) => t.tax_rate_bp).sort()).toEqual([2000, 2000, 550]);
  });

  it("inclusive rates take the tax out of the price; an exempt customer pays no tax and their invoice says why", async () => {
    const incl = cls();
    const made = await api("POST", "/tax-rates", { body: { tax_class: incl, name: "Incl 20", rate_bp: 2000, inclusive: true } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.inclusive).toBe(true);
    const taxed = (await api("POST", "/customers", { body: { name: unique("Incl"), type: "business", payment_type: "postpaid" } })).body.id;
    const charge = async (customerId: string, amount: number, taxClass: string) => {
      const res = await api("POST", "/transactions", {
        body: { customer_id: customerId, kind: "charge", description: "Priced with tax", amount, currency: "EUR", tax_class: taxClass },
        headers: { "idempotency-key": `incl-${customerId}-${amount}-${Math.random().toString(36).slice(2)}` },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { amount: number; tax_amount: number; tax_rate_bp: number };
    };
    // 12.00 with 20 % included: 10.00 net + 2.00 tax; 9.99: 832.5 → 8.32 net (half-even) + 1.67 tax (the rest).
    expect(await charge(taxed, 1200, incl)).toMatchObject({ amount: 1000, tax_amount: 200, tax_rate_bp: 2000 });
    expect(await charge(taxed, 999, incl)).toMatchObject({ amount: 832, tax_amount: 167 });

    // An exemption needs its reason and reference together.
    const half = await api("POST", "/customers", { body: { name: unique("Half"), type: "business", tax_exemption_reason: "Export" } });
    expect(half.status).toBe(422);
    expect(half.body.errors[0].path).toBe("tax_exemption_reference");
    const exempt = await api("POST", "/customers", {
      body: {
        name: unique("Exempt"),
        type: "business",
        payment_type: "postpaid",
        tax_exemption_reason: "Intra-EU reverse charge",
        tax_exemption_reference: "FR12345678901",
      },
    });
    expect(exempt.status, JSON.stringify(exempt.body)).toBe(201);
    expect(exempt.body).toMatchObject({ tax_exemption_reason: "Intra-EU reverse charge", tax_exemption_reference: "FR12345678901" });
    expect(await charge(exempt.body.id, 5000, "standard")).toMatchObject({ amount: 5000, tax_amount: 0, tax_rate_bp: 0 });
    const today = new Date().toISOString().slice(0, 10);
    const draft = await api("POST", "/invoices", { body: { customer_id: exempt.body.id, period_start: today, period_end: today } });
    expect(draft.body.tax_amount).toBe(0);
    const pdf = await fetchWorker(`http://example.com/api/v1/invoices/${draft.body.id}/pdf`, {
      headers: { authorization: `Bearer ${await tokenFor("billing")}` },
    });
    expect(await pdfText(new Uint8Array(await pdf.arrayBuffer()))).toContain("Tax exemption: Intra-EU reverse charge (ref. FR12345678901)");
    // Removing it (both fields) taxes the next charge again.
    const cleared = await api("PATCH", `/customers/${exempt.body.id}`, { body: { tax_exemption_reason: null, tax_exemption_reference: null } });
    expect(cleared.status).toBe(200);
    expect((await charge(exempt.body.id, 5000, "standard")).tax_amount).toBe(1000);
    expect((await api("PATCH", `/customers/${exempt.body.id}`, { body: { tax_exemption_reason: "Export" } })).status).toBe(422);
  });
});

/** The text a PDF draws (pdf-lib writes standard-font text as hex WinAnsi strings in Flate streams). */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(bytes);
  let out = "";
  for (const page of doc.getPages()) {
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    for (const stream of streams) {
      if (!(stream instanceof PDFRawStream)) continue;
      const raw = new TextDecoder("latin1").decode(decodePDFRawStream(stream).decode());
      for (const m of raw.matchAll(/<([0-9A-Fa-f]+)> Tj/g))
        out += `${(m[1]?.match(/../g) ?? []).map((h) => String.fromCharCode(Number.parseInt(h, 16))).join("")}\n`;
    }
  }
  return out;
}
