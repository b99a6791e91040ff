import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { debitService } from "../domain/services/debit-service";
import type { ServiceStatePort } from "../domain/services/port";
import { DEFAULT_SETTINGS } from "../domain/settings/schemas";
import { serviceDeps } from "../durable/service-client";
import { api, testContext, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const op = () => ({ actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() });

/** An active prepaid (or postpaid) service holding 5.00 of money, of a product that suspends when exhausted (or not). */
async function serviceWithMoney(suspend: boolean, paymentType: "prepaid" | "postpaid" = "prepaid") {
  const slug = unique("exh")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const product = await api("POST", "/products", {
    body: {
      name: slug,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 0,
      provisioning_play: "charging_account",
      suspend_when_exhausted: suspend,
    },
  });
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  expect(product.body.suspend_when_exhausted).toBe(suspend);
  const customer = await api("POST", "/customers", { body: { name: unique("Exh"), type: "individual", payment_type: paymentType } });
  const order = await api("POST", `/customers/${customer.body.id}/services`, {
    body: { product_id: product.body.id },
    headers: { "idempotency-key": unique("o").replace(/\s/g, "") },
  });
  const id = order.body.service.id as string;
  await state(id).transition(id, "start_provisioning", { ...op(), key: "lease" });
  await state(id).transition(id, "activate", { ...op(), key: "done" });
  await state(id).topUp(id, { key: "money", unit: "monetary", amount: 500, validityDays: null, reference: null, effects: {} }, op());
  await state(id).settleTopUp(id, "money", "confirmed", op());
  return id;
}

const statusOf = async (id: string) => (await env.DB.prepare("SELECT status FROM services WHERE id = ?").bind(id).first<{ status: string }>())?.status;

describe("a prepaid balance that runs out", () => {
  it("is refused beyond the balance by default, and nothing is taken", async () => {
    const id = await serviceWithMoney(false);
    await expect(debitService(testContext(), serviceDeps(env), id, { unit: "monetary", amount: 800, key: "d1" }, DEFAULT_SETTINGS)).rejects.toThrow(
      /Insufficient monetary balance: 500 available/,
    );
    expect(await statusOf(id)).toBe("active");
    const left = (await state(id).snapshot(id)) as { ok: true; value: { buckets: { amount: number }[] } };
    expect(left.value.buckets.reduce((n, b) => n + b.amount, 0)).toBe(500);
  });

  it("suspends the service when its product says so: what was left is taken, a suspend job is made, once", async () => {
    const id = await serviceWithMoney(true);
    const deps = serviceDeps(env);
    const after = await debitService(testContext(), deps, id, { unit: "monetary", amount: 800, key: "d2" }, DEFAULT_SETTINGS);
    expect(after.buckets.reduce((n, b) => n + b.amount, 0)).toBe(0);
    expect(await statusOf(id)).toBe("suspended");
    const jobs = await env.DB.prepare("SELECT type FROM jobs WHERE service_id = ? AND type = 'suspend'").bind(id).all<{ type: string }>();
    expect(jobs.results).toHaveLength(1);
    // The same debit again (a retry) changes nothing more.
    await debitService(testContext(), deps, id, { unit: "monetary", amount: 800, key: "d2" }, DEFAULT_SETTINGS).catch(() => undefined);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE service_id = ? AND type = 'suspend'").bind(id).first<{ n: number }>())?.n).toBe(1);
  });

  it("never suspends a postpaid customer's service", async () => {
    const id = await serviceWithMoney(true, "postpaid");
    await expect(debitService(testContext(), serviceDeps(env), id, { unit: "monetary", amount: 800, key: "d3" }, DEFAULT_SETTINGS)).rejects.toThrow(
      /Insufficient/,
    );
    expect(await statusOf(id)).toBe("active");
  });
});
