import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getProductsByIds } from "../db/queries/catalog";
import { servicesFollowing } from "../domain/customers/cascade";
import { queueDueSyncs } from "../domain/jobs/sync";
import { serviceDeps } from "../durable/service-client";
import { ulid } from "../lib/ids";
import { customer, product, service } from "./billing-helpers";
import { D1_MAX_BOUND } from "./d1-limit";
import { api, db, testEnv } from "./helpers";

/**
 * D1 binds at most 100 values per statement; Miniflare binds any number, so these paths passed
 * every test and would have failed in production. The tests' D1 refuses what D1 refuses (d1-limit.ts).
 */
describe("statements whose size the data decides stay within D1's 100 bound values", () => {
  it("the tests' D1 refuses a statement binding more than 100 values, as D1 does", async () => {
    const marks = Array.from({ length: D1_MAX_BOUND + 1 }, () => "?").join(", ");
    const values = Array.from({ length: D1_MAX_BOUND + 1 }, (_, i) => i);
    expect(() => testEnv.DB.prepare(`SELECT ${marks}`).bind(...values)).toThrow(/too many SQL variables/);
    const within = await testEnv.DB.prepare(`SELECT ${marks.slice(3)} AS n`)
      .bind(...values.slice(1))
      .first();
    expect(within).not.toBeNull();
  });

  it("queues the minute cron's sync jobs 20 at a time (9 columns each)", async () => {
    const customerId = await customer("prepaid");
    const { id: productId } = await product(0);
    const activatedAt = new Date(Date.now() - 86_400_000).toISOString();
    for (let i = 0; i < 25; i++) await service(customerId, productId, activatedAt);
    const now = new Date().toISOString();
    expect(await queueDueSyncs(db(), serviceDeps(testEnv), now, 20)).toBe(20);
    // Out of the other tests' way: the jobs this made are dead.
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE type = 'sync_balance' AND created_at = ?").bind(now).run();
  });

  it("resumes a customer whose suspension took 120 services along", async () => {
    const customerId = await customer("prepaid");
    const { id: productId } = await product(0);
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(await service(customerId, productId, new Date().toISOString()));
    await env.DB.prepare("UPDATE services SET status = 'suspended' WHERE customer_id = ?").bind(customerId).run();
    const at = new Date().toISOString();
    await env.DB.prepare(
      "INSERT INTO activity_log (id, actor_type, actor_id, actor_label, entity, entity_id, customer_id, action, changes, request_id, at) VALUES (?, 'system', NULL, 'test', 'customer', ?, ?, 'customer.suspend', ?, NULL, ?)",
    )
      .bind(`act_${ulid()}`, customerId, customerId, JSON.stringify({ services: { before: null, after: ids } }), at)
      .run();
    const following = await servicesFollowing(db(), customerId, "resume");
    expect(following.map((s) => s.id).sort()).toEqual([...ids].sort());
  });

  it("reads products by 120 ids and lists customers with 101 statuses in the filter", async () => {
    const { id } = await product(0);
    const ids = [id, ...Array.from({ length: 119 }, (_, i) => `prd_missing${i}`)];
    expect((await getProductsByIds(db(), ids)).map((p) => p.id)).toEqual([id]);
    const statuses = Array.from({ length: 101 }, () => "open").join(",");
    const list = await api("GET", `/customers?status=${statuses}&limit=1`);
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    // 101 bad values: a 400 that lists the first 50 and counts the rest, not 101 entries.
    const bad = await api("GET", `/customers?status=${Array.from({ length: 101 }, (_, i) => `nope${i}`).join(",")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveLength(51);
    expect(bad.body.errors.at(-1)).toEqual({ path: "(more)", message: "51 more errors not listed" });
  });
});
