/** Billing test fixtures: products, customers, active services, and bill runs driven chunk by chunk. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { advanceBillRun, createBillRun } from "../domain/billing/bill-runs/run";
import { ulid } from "../lib/ids";
import { api, testContext, unique } from "./helpers";

export const lastDay = (ym: string) => new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0)).toISOString().slice(0, 10);
export const period = (ym: string) => ({ period_start: `${ym}-01`, period_end: lastDay(ym) });

export async function product(price: number, extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/products", {
    body: {
      name: unique("Billed plan"),
      slug: unique("billed")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, 40),
      type: "standalone",
      service_type: "other",
      status: "active",
      retail_price: price,
      wholesale_price: Math.floor(price / 2),
      provisioning_play: "charging_account",
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version_id?: string };
}

export async function customer(paymentType: "prepaid" | "postpaid" = "postpaid") {
  const res = await api("POST", "/customers", { body: { name: unique("Bill run customer"), type: "business", payment_type: paymentType } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** An active service as the lifecycle would leave it (activated at `activatedAt`). */
export async function service(customerId: string, productId: string, activatedAt: string, terminatedAt: string | null = null) {
  const version = await env.DB.prepare("SELECT id FROM product_versions WHERE product_id = ? ORDER BY version DESC").bind(productId).first<{ id: string }>();
  const id = `svc_${ulid()}`;
  await env.DB.prepare(
    `INSERT INTO services (id, customer_id, product_id, product_version_id, status, identifiers, vars, activated_at, terminated_at, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, '{}', '{}', ?6, ?7, ?6, ?6)`,
  )
    .bind(id, customerId, productId, version?.id, terminatedAt ? "terminated" : "active", activatedAt, terminatedAt)
    .run();
  return id;
}

/**
 * A bill run made without a queue message (the test delivers it, chunk by chunk), its job made ready
 * as the queue consumer would.
 */
export async function startRun(ym: string) {
  const made = await createBillRun({ ...testContext(), now: new Date().toISOString() }, async () => {}, period(ym));
  await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ?").bind(made?.job_id).run();
  return { id: made?.id ?? "", job_id: made?.job_id ?? "" };
}

/** Polls a bill run through the API until it is no longer queued or running (the real queue consumer runs it). */
export async function settled(id: string) {
  for (let i = 0; i < 100; i++) {
    const res = await api("GET", `/bill-runs/${id}`);
    if (res.body.status !== "queued" && res.body.status !== "running") return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the bill run never settled");
}

/** Runs a bill run's job to the end the way the queue consumer does, chunk by chunk. */
export async function runToEnd(jobId: string, opts: { chunk?: number; maxChunks?: number } = {}) {
  const queued: string[] = [];
  for (let i = 0; i < 200; i++) {
    const outcome = await advanceBillRun({ ...testContext(), now: new Date().toISOString() }, async (ids) => void queued.push(...ids), jobId, opts);
    if (outcome !== "continued") return { outcome, deliveries: i + 1, queued };
  }
  throw new Error("the bill run never finished");
}
