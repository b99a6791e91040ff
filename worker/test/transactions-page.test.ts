import { describe, expect, it } from "vitest";
import { api, countRows, fetchWorker, pageSession, tokenFor, unique } from "./helpers";

describe("transactions list", () => {
  it("API: totals per currency (all, not invoiced, this month, last month) and a CSV export", async () => {
    const id = (await api("POST", "/customers", { body: { name: unique("Totals"), type: "business", payment_type: "postpaid" } })).body.id;
    for (const [kind, amount] of [
      ["charge", 1000],
      ["charge", 500],
      ["credit", 300],
    ] as const) {
      const r = await api("POST", "/transactions", {
        body: { customer_id: id, kind, description: `${kind} ${amount}`, amount, currency: "EUR" },
        headers: { "idempotency-key": `tot-${id}-${kind}-${amount}` },
      });
      expect(r.status).toBe(201);
    }
    const list = await api("GET", `/transactions?customer_id=${id}`);
    expect(list.body.data).toHaveLength(3);
    // 10.00 + 5.00 − 3.00 net, 20 % tax: 14.40.
    expect(list.body.totals).toEqual([{ currency: "EUR", total: 1440, uninvoiced: 1440, this_month: 1440, last_month: 0 }]);
    const csv = await fetchWorker(`http://example.com/api/v1/transactions?customer_id=${id}&format=csv`, {
      headers: { authorization: `Bearer ${await tokenFor("billing")}` },
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("id,date,customer_id,service_id,kind,description,amount,tax_amount,tax_rate_bp,currency,invoice_id,reverses_id,created_at");
    expect(lines).toHaveLength(4);
  });

  it("page: totals, a manual charge (typed as money, bad input inline, nothing written), a reversal, the CSV", async () => {
    const s = await pageSession("billing");
    const id = (await api("POST", "/customers", { body: { name: unique("Manual"), type: "business", payment_type: "postpaid" } })).body.id;
    const page = await s.get(`/admin/transactions?customer_id=${id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("No transactions here.");
    const before = await countRows("transactions");
    const bad = await s.post("/admin/transactions", {
      customer_id: id,
      kind: "charge",
      description: "Router",
      amount: "a lot",
      tax_class: "standard",
      key: "k1",
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("An amount such as 25.00");
    const nobody = await s.post("/admin/transactions", {
      customer_id: "cus_nope",
      kind: "charge",
      description: "Router",
      amount: "10",
      tax_class: "standard",
      key: "k2",
    });
    expect(nobody.status).toBe(422);
    expect(await countRows("transactions")).toBe(before);
    const made = await s.post("/admin/transactions", {
      customer_id: id,
      kind: "charge",
      description: "Router",
      amount: "25.00",
      tax_class: "standard",
      key: "k3",
    });
    expect(made.status).toBe(303);
    // The same form sent twice records it once.
    await s.post("/admin/transactions", { customer_id: id, kind: "charge", description: "Router", amount: "25.00", tax_class: "standard", key: "k3" });
    const rows = (await api("GET", `/transactions?customer_id=${id}`)).body.data as { id: string; amount: number; tax_amount: number }[];
    expect(rows.map((r) => [r.amount, r.tax_amount])).toEqual([[2500, 500]]);
    const reversed = await s.post(`/admin/transactions/${rows[0]?.id}/reverse`, { key: "r1", customer_id: id });
    expect(reversed.status).toBe(303);
    const html = await (await s.get(`/admin/transactions?customer_id=${id}`)).text();
    expect(html).toContain("Reversal of Router");
    expect(html).toContain("€0.00");
    const twice = await s.post(`/admin/transactions/${rows[0]?.id}/reverse`, { key: "r2", customer_id: id });
    expect(twice.status).toBe(409);
    const csv = await s.get(`/admin/transactions.csv?customer_id=${id}`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).trim().split("\r\n")).toHaveLength(3);
    const reader = await pageSession("support");
    expect((await reader.post("/admin/transactions", { customer_id: id, kind: "charge", description: "x", amount: "1", key: "k9" })).status).toBe(403);
  });
});
