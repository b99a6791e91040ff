import { describe, expect, it } from "vitest";
import { customer as postpaid, product } from "./billing-helpers";
import { api, countRows, pageSession, unique } from "./helpers";

const order = (customerId: string, productId: string) =>
  api("POST", `/customers/${customerId}/services`, {
    body: { product_id: productId },
    headers: { "idempotency-key": unique("limit-order").replace(/\s/g, "-") },
  });

describe("credit limits", () => {
  it("refuse a postpaid customer's order once what they owe plus the order's first charges would pass the limit", async () => {
    const plan = await product(3000);
    const id = await postpaid();
    expect((await api("PATCH", `/customers/${id}`, { body: { credit_limit: 5000 } })).body.credit_limit).toBe(5000);
    expect((await order(id, plan.id)).status).toBe(202);
    // 40.00 + 20 % tax uninvoiced: 48.00 owed, and the next order starts at 30.00.
    const charge = await api("POST", "/transactions", {
      body: { customer_id: id, kind: "charge", description: "Equipment", amount: 4000, currency: "EUR" },
      headers: { "idempotency-key": unique("limit-charge").replace(/\s/g, "-") },
    });
    expect(charge.status).toBe(201);
    const services = await countRows("services");
    const refused = await order(id, plan.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ owed: 4800, order: 3000, credit_limit: 5000 });
    expect(await countRows("services")).toBe(services);
    // Raised (or removed), the order goes through.
    await api("PATCH", `/customers/${id}`, { body: { credit_limit: null } });
    expect((await order(id, plan.id)).status).toBe(202);
    expect((await api("PATCH", `/customers/${id}`, { body: { credit_limit: -1 } })).status).toBe(422);
  });

  it("is typed as money on the customer form; a bad amount is shown inline", async () => {
    const s = await pageSession("admin");
    const id = await postpaid();
    const bad = await s.post(`/admin/customers/${id}/edit`, {
      name: "Limit Co",
      type: "business",
      payment_type: "postpaid",
      currency: "EUR",
      credit_limit: "lots",
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("An amount such as 5000.00");
    const ok = await s.post(`/admin/customers/${id}/edit`, {
      name: "Limit Co",
      type: "business",
      payment_type: "postpaid",
      currency: "EUR",
      credit_limit: "250.50",
    });
    expect(ok.status).toBe(303);
    expect((await api("GET", `/customers/${id}`)).body.credit_limit).toBe(25050);
    expect(await (await s.get(`/admin/customers/${id}/edit`)).text()).toContain('value="250.50"');
  });
});
