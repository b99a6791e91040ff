import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { queueNightlyReconciliation } from "../domain/jobs/sync";
import { serviceDeps } from "../durable/service-client";
import { type ApiResult, api, BASE, db, fetchWorker, pageSession, unique } from "./helpers";

/**
 * Charging against CGRateS, worker side: jobs name what they run, one job per service at a time,
 * and the runner's read-back of each account becomes the service's balance — with rating, renewals,
 * plan changes and expiry explained in the ledger and anything else flagged for reconciliation.
 */

const GB = 2 ** 30;
let key = "";
let seq = 0;
const idem = () => ({ "idempotency-key": `chg-${Date.now().toString(36)}-${seq++}-${Math.random().toString(36).slice(2, 8)}` });
const slugOf = (prefix: string) =>
  unique(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);

async function runner(path: string, body: unknown): Promise<ApiResult> {
  const res = await fetchWorker(`${BASE}/runner/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const row = <T>(sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .first<T>();
const rows = async <T>(sql: string, ...args: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;

let customerId = "";
let prepaid = { id: "", slug: "" };
let postpaid = { id: "", slug: "" };
let pack = { id: "", slug: "" };

async function product(body: Record<string, unknown>) {
  const res = await api("POST", "/products", {
    body: { status: "active", type: "standalone", service_type: "other", provisioning_play: "charging_account", ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, slug: res.body.slug as string };
}

type Charging = {
  account: string;
  actions_id?: string;
  credits: { id: string; unit: string; amount: number; type: string; value: number }[];
  addon: { definition: { actions: unknown[] } };
};

/** Takes the service's next job as the runner would (made ready as the queue consumer does). */
async function lease(serviceId: string, type?: string) {
  await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE service_id = ? AND status = 'pending'").bind(serviceId).run();
  const pulled = await runner("/jobs/pull", { batch_size: 10, visibility_timeout_ms: 60_000 });
  expect(pulled.status, JSON.stringify(pulled.body)).toBe(200);
  const message = pulled.body.messages.find(
    (m: { body: { service_id: string; type: string } }) => m.body.service_id === serviceId && (!type || m.body.type === type),
  );
  expect(message, `no ${type ?? ""} job of ${serviceId} leased: ${JSON.stringify(pulled.body.messages.map((m: { id: string }) => m.id))}`).toBeTruthy();
  return message as { id: string; lease_id: string; body: { playbook: string | null; type: string; extra_vars: { charging: Charging } } };
}

type Balance = { id: string; type: string; value: number; expires_at?: string | null };
/** A runner read-back of one account (CGRateS units). */
const reading = (account: string, balances: Balance[], extra: { rated?: unknown[]; renewals?: unknown[]; read_at?: string } = {}) => ({
  charging_report: {
    read_at: extra.read_at ?? new Date().toISOString(),
    accounts: [
      {
        account,
        exists: true,
        read_at: extra.read_at ?? new Date().toISOString(),
        since: null,
        allow_negative: false,
        disabled: false,
        balances: balances.map((b) => ({ uuid: `u-${b.id}`, expires_at: null, disabled: false, ...b })),
        rated: extra.rated ?? [],
        renewals: extra.renewals ?? [],
        cdrs: 0,
      },
    ],
  },
});

async function finish(message: { id: string; lease_id: string }, outputs: Record<string, unknown>, status = "succeeded") {
  const res = await runner(`/jobs/${message.id}/result`, {
    lease_id: message.lease_id,
    status,
    outputs,
    error: status === "failed" ? { task: "x", message: "boom" } : null,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const balanceOf = async (serviceId: string) => {
  const buckets = (await api("GET", `/services/${serviceId}/balance`)).body.buckets as { unit: string; amount: number; pending_amount: number }[];
  const by: Record<string, number> = {};
  for (const b of buckets) by[b.unit] = (by[b.unit] ?? 0) + b.amount;
  return by;
};
const ledgerSum = async (serviceId: string) => {
  const sums = await rows<{ unit: string; total: number }>(
    "SELECT unit, SUM(amount) AS total FROM balance_ledger WHERE service_id = ? AND state = 'confirmed' GROUP BY unit",
    serviceId,
  );
  return Object.fromEntries(sums.filter((s) => s.total !== 0).map((s) => [s.unit, s.total]));
};
const openFlags = async (serviceId: string) => (await api("GET", `/reconciliation?service_id=${serviceId}`)).body.data as Record<string, unknown>[];

/** An active prepaid service whose account CGRateS holds exactly as granted. */
async function activePrepaid() {
  const res = await api("POST", `/customers/${customerId}/services`, { body: { product_id: prepaid.id }, headers: idem() });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const serviceId = res.body.service.id as string;
  const message = await lease(serviceId, "provision");
  expect(message.body.playbook).toBe("charging_account");
  await finish(
    message,
    reading(serviceId, [
      { id: `inc-${prepaid.slug}-0`, type: "*data", value: 10 * GB },
      { id: `inc-${prepaid.slug}-1`, type: "*voice", value: 300 * 60 * 1e9 },
    ]),
  );
  expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("active");
  return serviceId;
}

beforeAll(async () => {
  await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE status IN ('pending', 'ready', 'leased')").run();
  key = (await api("POST", "/api-keys", { body: { name: unique("runner"), kind: "runner", permissions: ["customers:read"] } })).body.secret;
  prepaid = await product({
    name: "Chg prepaid",
    slug: slugOf("chg-pre"),
    service_type: "mobile",
    retail_price: 1000,
    provisioning_play: "charging_account",
    included_balances: [
      { unit: "data", amount: 10 * GB, validity_days: 30 },
      { unit: "voice", amount: 300 * 60, validity_days: 30 },
    ],
    low_balance_thresholds: { data: GB },
  });
  postpaid = await product({
    name: "Chg postpaid",
    slug: slugOf("chg-post"),
    service_type: "mobile",
    retail_price: 3000,
    prorate: false,
    allow_negative: true,
    provisioning_play: "charging_account",
    included_balances: [{ unit: "data", amount: 100 * GB, validity_days: 30 }],
  });
  pack = await product({
    name: "Chg pack",
    slug: slugOf("chg-pack"),
    type: "addon",
    service_type: "mobile",
    retail_price: 500,
    recurring_period: "none",
    provisioning_play: "addon_topup",
    compatible_with: [prepaid.id],
    included_balances: [{ unit: "data", amount: 5 * GB, validity_days: 30 }],
  });
  customerId = (await api("POST", "/customers", { body: { name: unique("Charging customer"), type: "individual", payment_type: "prepaid" } })).body.id;
});

describe("jobs name what they run", () => {
  it("publishing a product queues a catalogue job that loads it into CGRateS", async () => {
    const jobs = await rows<{ type: string; payload: string; service_id: string | null }>(
      "SELECT type, payload, service_id FROM jobs WHERE type = 'catalog' AND payload LIKE ?",
      `%${prepaid.id}%`,
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.service_id).toBeNull();
    expect(JSON.parse(jobs[0]?.payload ?? "{}")).toMatchObject({ product_id: prepaid.id, playbook: "catalog_product" });
  });

  it("an add-on runs the add-on's playbook and action set with its own balance ids, never the service's playbook", async () => {
    const serviceId = await activePrepaid();
    const attached = await api("POST", `/services/${serviceId}/addons`, { body: { product_id: pack.id }, headers: idem() });
    expect(attached.status, JSON.stringify(attached.body)).toBe(202);
    expect(attached.body.balance.buckets.find((b: { unit: string; pending_amount: number }) => b.unit === "data" && b.pending_amount === 5 * GB)).toBeTruthy();
    const message = await lease(serviceId, "topup");
    expect(message.body.playbook).toBe("addon_topup");
    const charging = message.body.extra_vars.charging;
    expect(charging.actions_id).toBe(`Action_${pack.slug}`);
    expect(charging.credits).toEqual([
      { id: expect.stringMatching(/^topup:addon:/), unit: "data", amount: 5 * GB, validity_days: 30, type: "*data", value: 5 * GB, expiry: "+720h" },
    ]);
    expect(charging.addon.definition.actions).toEqual([
      { ActionsId: `Action_${pack.slug}`, Actions: [{ Identifier: "*topup", BalanceType: "*data", Units: 5 * GB, ExpiryTime: "+720h", Weight: 20 }] },
    ]);
    // The job succeeds and CGRateS holds the pack: the service agrees, with no difference flagged.
    await finish(
      message,
      reading(serviceId, [
        { id: `inc-${prepaid.slug}-0`, type: "*data", value: 10 * GB },
        { id: `inc-${prepaid.slug}-1`, type: "*voice", value: 300 * 60 * 1e9 },
        { id: charging.credits[0]?.id ?? "", type: "*data", value: 5 * GB },
      ]),
    );
    expect(await balanceOf(serviceId)).toEqual({ data: 15 * GB, voice: 300 * 60 });
    expect(await openFlags(serviceId)).toEqual([]);
    expect(await ledgerSum(serviceId)).toEqual({ data: 15 * GB, voice: 300 * 60 });
  });

  it("a service's jobs are leased one at a time, in order", async () => {
    const serviceId = await activePrepaid();
    expect((await api("POST", `/services/${serviceId}/top-ups`, { body: { amount: 1000, currency: "EUR" }, headers: idem() })).status).toBe(202);
    expect((await api("POST", `/services/${serviceId}/suspend`, { headers: idem() })).status).toBe(202);
    const first = await lease(serviceId);
    expect(first.body.type).toBe("topup");
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE service_id = ? AND status = 'pending'").bind(serviceId).run();
    const meanwhile = await runner("/jobs/pull", { batch_size: 10 });
    expect(meanwhile.body.messages.filter((m: { body: { service_id: string } }) => m.body.service_id === serviceId)).toEqual([]);
    await finish(first, {});
    const second = await lease(serviceId);
    expect(second.body.type).toBe("suspend");
    expect(second.body.playbook).toBe("suspend");
    expect(second.body.extra_vars.charging).toMatchObject({ account: serviceId, disabled: true });
    await finish(second, {});
  });
});

describe("the runner's read-back is the balance of record", () => {
  it("a monetary top-up is confirmed with what CGRateS holds; rating since is a debit in the ledger, not a difference", async () => {
    const serviceId = await activePrepaid();
    const top = await api("POST", `/services/${serviceId}/top-ups`, { body: { amount: 1000, currency: "EUR" }, headers: idem() });
    expect(top.status).toBe(202);
    const topup = await lease(serviceId, "topup");
    const credit = topup.body.extra_vars.charging.credits[0] ?? { id: "", unit: "", amount: 0, type: "", value: 0 };
    expect(credit).toMatchObject({ type: "*monetary", value: 10, amount: 1000 });
    const base = [
      { id: `inc-${prepaid.slug}-0`, type: "*data", value: 10 * GB },
      { id: `inc-${prepaid.slug}-1`, type: "*voice", value: 300 * 60 * 1e9 },
    ];
    await finish(topup, reading(serviceId, [...base, { id: credit.id, type: "*monetary", value: 10 }]));
    expect(await balanceOf(serviceId)).toEqual({ data: 10 * GB, voice: 300 * 60, monetary: 1000 });

    // A call (120 s from the bundle) and a data session beyond nothing, then money for 0.1234 EUR of SMS.
    expect((await api("POST", `/services/${serviceId}/sync`, { headers: idem() })).status).toBe(202);
    const sync = await lease(serviceId, "sync_balance");
    await finish(sync, {
      usage: [],
      ...reading(
        serviceId,
        [
          { id: `inc-${prepaid.slug}-0`, type: "*data", value: 10 * GB - 300 * 2 ** 20 },
          { id: `inc-${prepaid.slug}-1`, type: "*voice", value: (300 * 60 - 120) * 1e9 },
          { id: credit.id, type: "*monetary", value: 9.8766 },
        ],
        {
          rated: [
            { balance_id: `inc-${prepaid.slug}-0`, balance_uuid: "u0", type: "*data", units: 300 * 2 ** 20, cdrs: 1, after: null },
            { balance_id: `inc-${prepaid.slug}-1`, balance_uuid: "u1", type: "*voice", units: 120e9, cdrs: 1, after: null },
            { balance_id: credit.id, balance_uuid: "u2", type: "*monetary", units: 0.1234, cdrs: 1, after: null },
          ],
        },
      ),
    });
    // CGRateS's 9.8766 EUR is 988 cents (half-even); the BSS agrees and nothing is flagged.
    expect(await balanceOf(serviceId)).toEqual({ data: 10 * GB - 300 * 2 ** 20, voice: 300 * 60 - 120, monetary: 988 });
    expect(await openFlags(serviceId)).toEqual([]);
    expect(await ledgerSum(serviceId)).toEqual(await balanceOf(serviceId));
    const kinds = await rows<{ kind: string; reference: string; unit: string; amount: number }>(
      "SELECT kind, reference, unit, amount FROM balance_ledger WHERE service_id = ? AND reference = 'rating' ORDER BY unit",
      serviceId,
    );
    expect(kinds).toEqual([
      { kind: "debit", reference: "rating", unit: "data", amount: -300 * 2 ** 20 },
      { kind: "debit", reference: "rating", unit: "monetary", amount: -12 },
      { kind: "debit", reference: "rating", unit: "voice", amount: -120 },
    ]);
    expect((await api("GET", `/services/${serviceId}`)).body.charging_synced_at).toBeTruthy();
  });

  it("flags what rating does not explain (100 GB nobody sold), lists it in GET /reconciliation, and lets staff resolve it", async () => {
    const serviceId = await activePrepaid();
    expect((await api("POST", `/services/${serviceId}/sync`, { headers: idem() })).status).toBe(202);
    const sync = await lease(serviceId, "sync_balance");
    await finish(sync, {
      usage: [],
      ...reading(serviceId, [
        { id: `inc-${prepaid.slug}-0`, type: "*data", value: 10 * GB },
        { id: `inc-${prepaid.slug}-1`, type: "*voice", value: 300 * 60 * 1e9 },
        { id: "inc-someone-elses-plan-0", type: "*data", value: 100 * GB },
      ]),
    });
    // The balance is CGRateS's (110 GB) and the ledger still adds up (a reconciliation adjustment)...
    expect(await balanceOf(serviceId)).toEqual({ data: 110 * GB, voice: 300 * 60 });
    expect(await ledgerSum(serviceId)).toEqual({ data: 110 * GB, voice: 300 * 60 });
    // ...and the difference is flagged until someone looks at it.
    const flags = await openFlags(serviceId);
    expect(flags).toEqual([
      expect.objectContaining({ service_id: serviceId, unit: "data", bss: 10 * GB, cgrates: 110 * GB, difference: 100 * GB, since: expect.any(String) }),
    ]);
    const page = await pageSession("admin");
    const servicePage = await (await page.get(`/admin/services/${serviceId}`)).text();
    expect(servicePage).toContain("CGRateS holds something the BSS did not expect");
    expect(await (await page.get("/admin/reconciliation")).text()).toContain(serviceId);
    // Read-only staff may look, not resolve.
    expect((await api("POST", `/reconciliation/${serviceId}/data/resolve`, { body: { resolution: "looked at it" }, role: "read-only" })).status).toBe(403);
    expect((await api("POST", `/reconciliation/${serviceId}/data/resolve`, { body: { resolution: "" } })).status).toBe(422);
    const resolved = await api("POST", `/reconciliation/${serviceId}/data/resolve`, { body: { resolution: "Removed the stray balance in CGRateS" } });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(await openFlags(serviceId)).toEqual([]);
    expect((await api("POST", `/reconciliation/${serviceId}/data/resolve`, { body: { resolution: "again" } })).status).toBe(409);
    const logged = await row<{ action: string }>(
      "SELECT action FROM activity_log WHERE entity_id = ? AND action = 'service.charging_difference_resolved'",
      serviceId,
    );
    expect(logged).toBeTruthy();
  });

  it("a renewal (logged *topup_reset) and an expired balance are explained, not flagged", async () => {
    const serviceId = await activePrepaid();
    const before = new Date(Date.now() - 60_000).toISOString();
    expect((await api("POST", `/services/${serviceId}/sync`, { headers: idem() })).status).toBe(202);
    const sync = await lease(serviceId, "sync_balance");
    await finish(sync, {
      usage: [],
      ...reading(
        serviceId,
        [
          // Used 2 GB, renewed back to 10 GB, then used 1 GB; the voice expired yesterday.
          { id: `inc-${prepaid.slug}-0`, type: "*data", value: 9 * GB },
          { id: `inc-${prepaid.slug}-1`, type: "*voice", value: 100 * 1e9, expires_at: new Date(Date.now() - 86_400_000).toISOString() },
        ],
        {
          rated: [
            { balance_id: `inc-${prepaid.slug}-0`, type: "*data", units: 2 * GB, after: null },
            { balance_id: `inc-${prepaid.slug}-0`, type: "*data", units: GB, after: before },
          ],
          renewals: [{ at: before, balance_id: `inc-${prepaid.slug}-0`, type: "*data", value_after: 10 * GB }],
        },
      ),
    });
    expect(await balanceOf(serviceId)).toEqual({ data: 9 * GB });
    expect(await openFlags(serviceId)).toEqual([]);
    const refs = await rows<{ reference: string; unit: string; amount: number }>(
      "SELECT reference, unit, amount FROM balance_ledger WHERE service_id = ? AND reference IN ('rating', 'renewal', 'expiry') ORDER BY reference, unit",
      serviceId,
    );
    expect(refs).toEqual([
      { reference: "expiry", unit: "voice", amount: -300 * 60 },
      { reference: "rating", unit: "data", amount: -3 * GB },
      { reference: "renewal", unit: "data", amount: 2 * GB },
    ]);
    expect(await ledgerSum(serviceId)).toEqual({ data: 9 * GB });
  });

  it("a plan change prepaid → postpaid removes the old included balances, grants the new ones and keeps the money, and agrees after its job", async () => {
    const serviceId = await activePrepaid();
    const page = await pageSession("admin");
    const preview = await page.get(`/admin/services/${serviceId}/change-plan?product_id=${postpaid.id}`);
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain("Confirm the plan change");
    expect(html.match(/data-rule="removed"/g)).toHaveLength(2);
    expect(html.match(/data-rule="granted"/g)).toHaveLength(1);
    expect(html).toContain("Money, top-ups and add-ons are always kept");

    const changed = await api("POST", `/services/${serviceId}/change-plan`, { body: { product_id: postpaid.id }, headers: idem() });
    expect(changed.status, JSON.stringify(changed.body)).toBe(202);
    expect(changed.body.balances).toEqual({
      remove: [`inc-${prepaid.slug}-0`, `inc-${prepaid.slug}-1`],
      grants: [expect.objectContaining({ id: `inc-${postpaid.slug}-0`, unit: "data", amount: 100 * GB, type: "*data", value: 100 * GB })],
    });
    const message = await lease(serviceId, "modify");
    expect(message.body.playbook).toBe("change_plan");
    expect(message.body.extra_vars.charging).toMatchObject({
      remove_balances: [`inc-${prepaid.slug}-0`, `inc-${prepaid.slug}-1`],
      product: { account: { allow_negative: true, action_plans: [`AP_${postpaid.slug}_v1`], action_triggers: [] } },
    });
    await finish(message, { plan: {}, ...reading(serviceId, [{ id: `inc-${postpaid.slug}-0`, type: "*data", value: 100 * GB }]) });
    expect(await balanceOf(serviceId)).toEqual({ data: 100 * GB });
    expect(await openFlags(serviceId)).toEqual([]);
    const refs = await rows<{ reference: string | null; kind: string; unit: string; amount: number }>(
      "SELECT reference, kind, unit, amount FROM balance_ledger WHERE service_id = ? AND (reference = 'plan_change' OR idempotency_key LIKE '%:grant:%') ORDER BY seq",
      serviceId,
    );
    expect(refs.slice(-3)).toEqual([
      { reference: null, kind: "grant", unit: "data", amount: 100 * GB },
      { reference: "plan_change", kind: "adjustment", unit: "data", amount: -10 * GB },
      { reference: "plan_change", kind: "adjustment", unit: "voice", amount: -300 * 60 },
    ]);
  });

  it("the nightly reconciliation queues a read of every live service not read since 02:00 UTC", async () => {
    const serviceId = await activePrepaid();
    await env.DB.prepare("UPDATE services SET charging_synced_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(serviceId).run();
    const day = new Date();
    const night = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 2, 5)).toISOString();
    const early = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 1, 0)).toISOString();
    expect(await queueNightlyReconciliation(db(), serviceDeps(env), early)).toBe(0);
    expect(await queueNightlyReconciliation(db(), serviceDeps(env), night, 1000)).toBeGreaterThanOrEqual(1);
    const job = await row<{ payload: string }>("SELECT payload FROM jobs WHERE service_id = ? AND type = 'sync_balance' ORDER BY id DESC", serviceId);
    expect(JSON.parse(job?.payload ?? "{}")).toMatchObject({ reason: "nightly" });
    // Once queued, the same night does not queue it again.
    const again = await queueNightlyReconciliation(db(), serviceDeps(env), night, 1000);
    const count = await row<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE service_id = ? AND type = 'sync_balance'", serviceId);
    expect(count?.n).toBe(1);
    expect(again).toBeGreaterThanOrEqual(0);
  });
});
