import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../db/client";
import { debitService } from "../domain/services/debit-service";
import type { ServiceStatePort } from "../domain/services/port";
import { DEFAULT_SETTINGS } from "../domain/settings/schemas";
import { serviceDeps } from "../durable/service-client";
import type { ServiceState } from "../durable/service-state";
import { api, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const op = () => ({ actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() });

async function activeService(extra: Record<string, unknown> = {}) {
  const slug = unique("conc")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const product = await api("POST", "/products", {
    body: { name: slug, slug, type: "standalone", service_type: "mobile", status: "active", retail_price: 0, provisioning_play: "charging_account", ...extra },
  });
  const customer = await api("POST", "/customers", { body: { name: unique("Conc"), type: "individual" } });
  const order = await api("POST", `/customers/${customer.body.id}/services`, {
    body: { product_id: product.body.id },
    headers: { "idempotency-key": unique("o").replace(/\s/g, "") },
  });
  const id = order.body.service.id as string;
  await state(id).transition(id, "start_provisioning", { ...op(), key: "lease" });
  await state(id).transition(id, "activate", { ...op(), key: "done" });
  return id;
}

async function d1Totals(serviceId: string, unit: string) {
  const ledger = await env.DB.prepare(
    "SELECT COALESCE(SUM(amount), 0) AS total, COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS keys FROM balance_ledger WHERE service_id = ? AND unit = ? AND state <> 'reversed'",
  )
    .bind(serviceId, unit)
    .first<{ total: number; n: number; keys: number }>();
  const buckets = await env.DB.prepare("SELECT COALESCE(SUM(amount + pending_amount), 0) AS total FROM service_buckets WHERE service_id = ? AND unit = ?")
    .bind(serviceId, unit)
    .first<{ total: number }>();
  return { ledger: ledger?.total ?? 0, entries: ledger?.n ?? 0, keys: ledger?.keys ?? 0, buckets: buckets?.total ?? 0 };
}

describe("balances under concurrency", () => {
  it("applies 500 concurrent top-ups exactly once each, even with 100 replays of used keys", async () => {
    const id = await activeService();
    const s = state(id);
    const amounts = Array.from({ length: 500 }, (_, i) => 100 + (i % 37));
    const expected = amounts.reduce((a, b) => a + b, 0);
    const first = await Promise.all(
      amounts.map((amount, i) => s.topUp(id, { key: `k${i}`, unit: "monetary", amount, validityDays: null, reference: null, effects: {} }, op())),
    );
    expect(first.every((r) => r.ok && !r.replayed)).toBe(true);
    const replays = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        s.topUp(id, { key: `k${i * 5}`, unit: "monetary", amount: 999_999, validityDays: null, reference: null, effects: {} }, op()),
      ),
    );
    expect(replays.every((r) => r.ok && r.replayed)).toBe(true);
    const snapshot = await s.snapshot(id);
    const monetary = snapshot.ok ? snapshot.value.buckets.filter((b) => b.unit === "monetary") : [];
    expect(monetary.reduce((sum, b) => sum + b.amount + b.pending_amount, 0)).toBe(expected);
    // The D1 mirror agrees: the ledger sums to the balance, one entry per distinct key.
    const totals = await d1Totals(id, "monetary");
    expect(totals).toEqual({ ledger: expected, entries: 500, keys: 500, buckets: expected });
    // The sequence number is written once per operation, as its transaction ends: the stored one is
    // the highest any row took, so an object started again never hands out a number twice.
    await runInDurableObject(env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id)), (_instance: ServiceState, objectState) => {
      const sql = objectState.storage.sql;
      const stored = Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'seq'").one().value);
      const highest = sql
        .exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM (SELECT seq FROM ops UNION ALL SELECT seq FROM ledger UNION ALL SELECT seq FROM buckets)")
        .one().seq;
      expect(stored).toBe(highest);
      expect(highest).toBeGreaterThanOrEqual(1500);
    });
  });

  it("decides top-ups that arrive together as one group, and one that fails takes none of the others down", async () => {
    const id = await activeService();
    await runInDurableObject(env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id)), async (instance: ServiceState, objectState) => {
      const request = (key: string, amount: number, activity: unknown[] = []) => ({
        key,
        unit: "monetary" as const,
        amount,
        validityDays: null,
        reference: null,
        effects: { activity } as never,
      });
      // How many top-ups each group decided: the three sent together must be one group.
      const inner = instance as unknown as { group: unknown[]; runGroup: () => void };
      const runGroup = inner.runGroup.bind(instance);
      const groups: number[] = [];
      inner.runGroup = () => {
        groups.push(inner.group.length);
        runGroup();
      };
      // The middle one cannot be recorded (a BigInt has no JSON): its transaction rolls back alone.
      const results = await Promise.allSettled([
        instance.topUp(id, request("g1", 100), op()),
        instance.topUp(id, request("g2", 200, [{ amount: 1n }]), op()),
        instance.topUp(id, request("g3", 300), op()),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(groups).toEqual([3]);
      const sql = objectState.storage.sql;
      expect(
        sql
          .exec<{ key: string }>("SELECT key FROM ops WHERE key LIKE 'g%' ORDER BY key")
          .toArray()
          .map((r) => r.key),
      ).toEqual(["g1", "g3"]);
      expect(sql.exec<{ n: number }>("SELECT SUM(pending_amount) AS n FROM buckets WHERE unit = 'monetary'").one().n).toBe(400);
      // Numbers taken by the rolled-back one are skipped, never handed out again.
      const stored = Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'seq'").one().value);
      expect(stored).toBe(sql.exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM (SELECT seq FROM ops UNION ALL SELECT seq FROM ledger)").one().seq);
      const after = await instance.topUp(id, request("g4", 400), op());
      expect(after.ok).toBe(true);
    });
    expect(await d1Totals(id, "monetary")).toMatchObject({ ledger: 800, entries: 3 });
  });

  it("never takes a prepaid bucket below zero under concurrent debits", async () => {
    const id = await activeService();
    const s = state(id);
    await s.topUp(id, { key: "credit", unit: "sms", amount: 100, validityDays: null, reference: null, effects: {} }, op());
    await s.settleTopUp(id, "credit", "confirmed", op());
    const debits = await Promise.all(Array.from({ length: 60 }, (_, i) => s.debit(id, { key: `d${i}`, unit: "sms", amount: 3, reference: null }, op())));
    const accepted = debits.filter((d) => d.ok).length;
    expect(accepted).toBe(33);
    expect(debits.filter((d) => !d.ok).every((d) => !d.ok && d.error.status === 409)).toBe(true);
    const snapshot = await s.snapshot(id);
    const sms = snapshot.ok ? snapshot.value.buckets.filter((b) => b.unit === "sms") : [];
    expect(sms.reduce((sum, b) => sum + b.amount, 0)).toBe(1);
    expect(sms.every((b) => b.amount >= 0)).toBe(true);
    const totals = await d1Totals(id, "sms");
    expect(totals.ledger).toBe(1);
    expect(totals.buckets).toBe(1);
  });

  it("lets a product that allows it go negative, and reverses a failed top-up", async () => {
    const id = await activeService({ allow_negative: true });
    const s = state(id);
    const debit = await s.debit(id, { key: "over", unit: "monetary", amount: 250, reference: null }, op());
    expect(debit.ok && debit.value.buckets.find((b) => b.unit === "monetary")?.amount).toBe(-250);
    await s.topUp(id, { key: "t1", unit: "monetary", amount: 1000, validityDays: null, reference: null, effects: {} }, op());
    const reversed = await s.settleTopUp(id, "t1", "reversed", op());
    expect(reversed.ok && reversed.value.buckets.find((b) => b.unit === "monetary")).toMatchObject({ amount: -250, pending_amount: 0 });
    const totals = await d1Totals(id, "monetary");
    expect(totals.ledger).toBe(-250);
    expect(totals.buckets).toBe(-250);
  });

  it("queues one low-balance email to the service's contact when a debit crosses the threshold", async () => {
    const id = await activeService({ low_balance_thresholds: { data: 1000 } });
    const service = (await api("GET", `/services/${id}`)).body;
    const email = `${unique("low").replace(/\s/g, "").toLowerCase()}@example.net`;
    await api("POST", `/customers/${service.customer_id}/contacts`, { body: { first_name: "Lou", email, roles: ["billing"] } });
    const s = state(id);
    await s.topUp(id, { key: "data", unit: "data", amount: 5000, validityDays: 30, reference: null, effects: {} }, op());
    await s.settleTopUp(id, "data", "confirmed", op());
    const ctx = { db: createDb(env.DB), actor: { type: "system" as const, id: null, label: "usage sync" }, requestId: null, now: new Date().toISOString() };
    for (const [key, amount] of [
      ["u1", 3000],
      ["u2", 1500],
      ["u3", 100],
    ] as const) {
      await debitService(ctx, serviceDeps(env), id, { unit: "data", amount, key }, DEFAULT_SETTINGS);
    }
    const rows = await env.DB.prepare("SELECT template, subject FROM email_outbox WHERE to_email = ?").bind(email).all<{ template: string; subject: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]?.template).toBe("low_balance");
  });
});

describe("an overloaded service object", () => {
  const stub = (id: string) => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
  const topUp = (id: string, key: string, amount = 500) =>
    api("POST", `/services/${id}/top-ups`, { body: { amount, currency: "EUR" }, headers: { "idempotency-key": key } });
  const counts = async (id: string) => ({
    ...(await d1Totals(id, "monetary")),
    jobs: Number((await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE service_id = ? AND type = 'topup'").bind(id).first<{ n: number }>())?.n),
    charges: Number(
      (await env.DB.prepare("SELECT count(*) AS n FROM transactions WHERE service_id = ? AND kind = 'charge'").bind(id).first<{ n: number }>())?.n,
    ),
  });

  it("turns a top-up away early (429, Retry-After, nothing applied) and applies its retry exactly once", async () => {
    const id = await activeService();
    const key = `busy-${Date.now()}`;
    // As if 400 top-ups were already waiting on this object.
    await runInDurableObject(stub(id), (instance: ServiceState) => {
      (instance as unknown as { inflight: number }).inflight = instance.queueLimit;
    });
    const refused = await topUp(id, key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await counts(id)).toMatchObject({ entries: 0, jobs: 0, charges: 0 });
    await runInDurableObject(stub(id), (instance: ServiceState) => {
      (instance as unknown as { inflight: number }).inflight = 0;
    });
    const retried = await topUp(id, key);
    expect(retried.status).toBe(202);
    const again = await topUp(id, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await counts(id)).toMatchObject({ entries: 1, keys: 1, ledger: 500, jobs: 1, charges: 1 });
  });

  it("under a burst past its limit, every top-up is applied exactly once after its retries", async () => {
    const id = await activeService();
    await runInDurableObject(stub(id), (instance: ServiceState) => {
      instance.queueLimit = 2;
    });
    const keys = Array.from({ length: 30 }, (_, i) => `burst-${Date.now()}-${i}`);
    let pending = keys;
    let refusedTotal = 0;
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const results = await Promise.all(pending.map((k) => topUp(id, k, 100)));
      expect(results.every((r) => r.status === 202 || r.status === 429)).toBe(true);
      const refused = pending.filter((_, i) => results[i]?.status === 429);
      refusedTotal += refused.length;
      pending = refused;
    }
    expect(pending).toEqual([]);
    expect(await counts(id)).toMatchObject({ entries: 30, keys: 30, ledger: 3000, buckets: 3000, jobs: 30, charges: 30 });
    expect(refusedTotal).toBeGreaterThan(0);
  });
});

describe("the object's sends to the provisioning queue", () => {
  it("sends the jobs of write-throughs made close together in one message, after D1 has them, without holding up the answers", async () => {
    const id = await activeService();
    const stub = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
    const sent: { body: unknown; inD1: number }[] = [];
    const topUpJobs = async () =>
      (await env.DB.prepare("SELECT id FROM jobs WHERE service_id = ? AND type = 'topup' ORDER BY created_at, id").bind(id).all<{ id: string }>()).results.map(
        (r) => r.id,
      );
    type Log = { env: Env; queueWindowMs: number; toQueue: string[] };
    const logOf = (instance: ServiceState) => (instance as unknown as { log: Log }).log;
    // The order's own job goes first (its window closes on its own).
    await vi.waitFor(async () => expect(await runInDurableObject(stub, (instance: ServiceState) => logOf(instance).toQueue.length)).toBe(0), {
      timeout: 5_000,
      interval: 50,
    });
    await runInDurableObject(stub, (instance: ServiceState) => {
      const log = logOf(instance);
      // A window long enough for two top-ups answered one after the other on a slow machine.
      log.queueWindowMs = 1_500;
      const queue = {
        sendBatch: async (messages: { body: unknown }[]) => {
          const inD1 = (await topUpJobs()).length;
          for (const m of messages) sent.push({ body: m.body, inD1 });
        },
      };
      log.env = new Proxy(log.env, { get: (target, prop) => (prop === "PROVISIONING_QUEUE" ? queue : Reflect.get(target, prop)) });
    });
    const topUp = (key: string) => api("POST", `/services/${id}/top-ups`, { body: { amount: 100, currency: "EUR" }, headers: { "idempotency-key": key } });
    expect((await topUp(unique("w1"))).status).toBe(202);
    expect((await topUp(unique("w2"))).status).toBe(202);
    // Both answered, two write-throughs made, nothing sent yet: their jobs wait for the window to close.
    expect(sent).toEqual([]);
    const jobIds = await topUpJobs();
    expect(jobIds).toHaveLength(2);
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 5_000, interval: 50 });
    expect(sent).toEqual([{ body: { kind: "jobs", job_ids: jobIds }, inD1: 2 }]);
    // A job written alone is sent too, once its window closes.
    expect((await topUp(unique("w3"))).status).toBe(202);
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 5_000, interval: 50 });
    expect(sent[1]?.body).toEqual({ kind: "job", job_id: (await topUpJobs())[2] });
  });
});
