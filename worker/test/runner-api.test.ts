import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { luhnCheckDigit } from "../lib/identifiers";
import { type ApiResult, api, BASE, fetchWorker, unique } from "./helpers";

let key = "";
let seq = 0;
const idem = () => ({ "idempotency-key": `run-${Date.now().toString(36)}-${seq++}-${Math.random().toString(36).slice(2, 8)}` });
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const iccid = () => {
  const partial = `8933${digits(14)}`;
  return partial + luhnCheckDigit(partial);
};

async function runner(path: string, body: unknown, token = key): Promise<ApiResult> {
  const res = await fetchWorker(`${BASE}/runner/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const row = <T>(sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .first<T>();

/** An active standalone mobile product with `fields`, named and slugged after `prefix`. */
async function newProduct(prefix: string, fields: Record<string, unknown>): Promise<string> {
  const slug = unique(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const res = await api("POST", "/products", {
    body: { name: `${prefix} ${slug}`, slug, type: "standalone", service_type: "mobile", status: "active", ...fields },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

let productId = "";
let customerId = "";
let contactEmail = "";

/** Orders a service holding a new SIM, its job made ready as the queue consumer would. */
async function orderOne() {
  const sim = (await api("POST", "/inventory/items", { body: { type: "sim", fields: { iccid: iccid(), imsi: `20801${digits(10)}`, ki: digits(32) } } })).body;
  const res = await api("POST", `/customers/${customerId}/services`, { body: { product_id: productId, contact_id: contactId }, headers: idem() });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(res.body.job.id).run();
  return { serviceId: res.body.service.id as string, jobId: res.body.job.id as string, simId: sim.id as string };
}

async function pullMine(jobId: string, visibility = 60_000) {
  const pulled = await runner("/jobs/pull", { batch_size: 10, visibility_timeout_ms: visibility });
  expect(pulled.status, JSON.stringify(pulled.body)).toBe(200);
  const message = pulled.body.messages.find((m: { id: string }) => m.id === jobId);
  expect(message, JSON.stringify(pulled.body.messages.map((m: { id: string }) => m.id))).toBeTruthy();
  return message;
}

let contactId = "";

beforeAll(async () => {
  // Jobs left by earlier test files would be leased too: they are closed first.
  await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE status IN ('pending', 'ready', 'leased')").run();
  const created = await api("POST", "/api-keys", { body: { name: unique("runner"), kind: "runner", permissions: ["customers:read"] } });
  key = created.body.secret;
  productId = await newProduct("Prov", {
    retail_price: 999,
    retail_setup_fee: 1500,
    provisioning_play: "charging_account",
    required_inventory: ["sim"],
    included_balances: [{ unit: "data", amount: 1_000_000, validity_days: 30 }],
  });
  customerId = (await api("POST", "/customers", { body: { name: unique("Runner customer"), type: "individual", payment_type: "prepaid" } })).body.id;
  contactEmail = `ada.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.com`;
  const contact = await api("POST", `/customers/${customerId}/contacts`, {
    body: { first_name: "Ada", last_name: "Lovelace", email: contactEmail, phone: "+33 6 12 34 56 78" },
  });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  contactId = contact.body.id;
  await api("PATCH", "/settings", { body: { notification_emails: ["noc@example.com"] } });
});

describe("runner API", () => {
  it("is for runner keys only, and refuses bad input", async () => {
    expect((await runner("/jobs/pull", {}, "")).status).toBe(401);
    const staffKey = (await api("POST", "/api-keys", { body: { name: unique("staff"), permissions: ["jobs:read"] } })).body.secret;
    expect((await runner("/jobs/pull", {}, staffKey)).status).toBe(403);
    expect((await runner("/jobs/pull", { batch_size: 0 })).status).toBe(422);
    expect((await runner("/jobs/pull", { visibility_timeout_ms: 1 })).status).toBe(422);
    expect((await runner("/jobs/job_nope/result", { lease_id: "x", status: "succeeded" })).status).toBe(404);
    expect((await runner("/jobs/job_nope/events", { lease_id: "x", events: [{ task: "t", status: "weird" }] })).status).toBe(422);
  });

  it("leases a provisioning job with what the playbook needs, streams events, and activates on success exactly once", async () => {
    const { serviceId, jobId, simId } = await orderOne();
    const message = await pullMine(jobId);
    expect(message.body.playbook).toBe("charging_account");
    expect(message.body.extra_vars.inventory.map((i: { id: string }) => i.id)).toEqual([simId]);
    expect(JSON.stringify(message.body)).not.toMatch(/"ki"/);
    expect(message.body.extra_vars.product.included_balances).toEqual([{ unit: "data", amount: 1_000_000, validity_days: 30 }]);
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("provisioning");
    // Nobody else gets it while leased.
    expect((await runner("/jobs/pull", { batch_size: 10 })).body.messages.map((m: { id: string }) => m.id)).not.toContain(jobId);
    expect((await runner(`/jobs/${jobId}/events`, { lease_id: "lse_wrong", events: [] })).status).toBe(409);
    const events = await runner(`/jobs/${jobId}/events`, {
      lease_id: message.lease_id,
      events: [
        { task: "Create the CGRateS account", status: "started" },
        { task: "Create the CGRateS account", status: "changed", duration_ms: 42 },
      ],
      extend_ms: 600_000,
    });
    expect(events.status).toBe(200);
    expect(Date.parse(events.body.lease_expires_at)).toBeGreaterThan(Date.now() + 500_000);
    const done = await runner(`/jobs/${jobId}/result`, {
      lease_id: message.lease_id,
      status: "succeeded",
      outputs: { identifiers: { msisdn: "+33699887766" }, credentials: { username: "u1", password: "s3cret-pass" } },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ duplicate: false, job: { status: "succeeded" } });
    const service = (await api("GET", `/services/${serviceId}`)).body;
    expect(service.status).toBe("active");
    expect(service.identifiers.msisdn).toBe("+33699887766");
    expect(service.identifiers.iccid).toBeTruthy();
    expect((await api("GET", `/inventory/items/${simId}`)).body.status).toBe("assigned");
    const balance = (await api("GET", `/services/${serviceId}/balance`)).body;
    expect(balance.buckets.find((b: { unit: string }) => b.unit === "data").amount).toBe(1_000_000);
    expect(await row<{ n: number }>("SELECT count(*) AS n FROM email_outbox WHERE template = 'service_welcome' AND to_email = ?", contactEmail)).toEqual({
      n: 1,
    });
    // The same result again (a runner that lost the answer): acknowledged, nothing applied twice.
    const again = await runner(`/jobs/${jobId}/result`, { lease_id: message.lease_id, status: "failed", error: { task: "x", message: "late" } });
    expect(again.body).toMatchObject({ duplicate: true, job: { status: "succeeded" } });
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("active");
    expect((await api("GET", `/services/${serviceId}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "data").amount).toBe(1_000_000);
    const result = await row<{ result: string }>("SELECT result FROM jobs WHERE id = ?", jobId);
    expect(result?.result).not.toContain("s3cret-pass");
    expect(result?.result).toContain("credentials_sealed");
    const stored = await row<{ n: number }>("SELECT count(*) AS n FROM job_events WHERE job_id = ?", jobId);
    expect(stored?.n).toBe(2);

    // The REST API shows the finished job with its events and result (credentials left out).
    const shown = await api("GET", `/jobs/${jobId}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: jobId, type: "provision", status: "succeeded", attempts: 1, service_id: serviceId, playbook: "charging_account" });
    expect(shown.body.events.map((e: { task: string; status: string }) => `${e.task}:${e.status}`)).toEqual([
      "Create the CGRateS account:started",
      "Create the CGRateS account:changed",
    ]);
    expect(shown.body.result.identifiers).toEqual({ msisdn: "+33699887766" });
    expect(JSON.stringify(shown.body)).not.toMatch(/credentials|s3cret/);
    const listed = await api("GET", `/jobs?service_id=${serviceId}&type=provision&status=succeeded`);
    expect(listed.body.data.map((j: { id: string }) => j.id)).toEqual([jobId]);
    expect((await api("GET", "/jobs?status=bogus")).status).toBe(400);
    expect((await api("GET", `/jobs/${jobId}`, { role: "support" })).status).toBe(200);
    expect((await api("POST", `/jobs/${jobId}/retry`)).status).toBe(409);
    expect((await api("GET", "/jobs/job_nope")).status).toBe(404);
  });

  it("rolls back on failure: service failed, inventory back in stock, setup charge reversed, notification list told", async () => {
    const { serviceId, jobId, simId } = await orderOne();
    const message = await pullMine(jobId);
    const failed = await runner(`/jobs/${jobId}/result`, {
      lease_id: message.lease_id,
      status: "failed",
      error: { task: "Create the CGRateS account", message: "SERVER_ERROR" },
    });
    expect(failed.body.job.status).toBe("failed");
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("failed");
    expect((await api("GET", `/inventory/items/${simId}`)).body).toMatchObject({ status: "in_stock", service_id: null });
    const money = await api("GET", `/transactions?service_id=${serviceId}`);
    const net = money.body.data.reduce((s: number, t: { kind: string; amount: number }) => s + (t.kind === "charge" ? t.amount : -t.amount), 0);
    expect(net).toBe(0);
    expect(money.body.data.some((t: { reverses_id?: string | null; kind: string }) => t.kind === "credit")).toBe(true);
    const notice = await row<{ subject: string }>(
      "SELECT subject FROM email_outbox WHERE template = 'provisioning_failed' AND text_body LIKE ?",
      `%${serviceId}%`,
    );
    expect(notice?.subject).toContain("Provisioning failed");
    // Retry from the service: inventory is reserved again and a new job goes out.
    const retried = await api("POST", `/services/${serviceId}/retry`, { headers: idem() });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect((await api("GET", `/inventory/items?service_id=${serviceId}`)).body.data).toHaveLength(1);
  });

  it("gives a retried service a next-available number that fits the product, as its order did", async () => {
    // A pool of its own whose first number (lowest id) is fixed-line: a mobile plan must never take it.
    const pool = unique("retrypool").toLowerCase();
    const number = async (msisdn: string) => (await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn, pool } } })).body;
    const fixed = await number(`+33478${digits(6)}`);
    await number(`+33661${digits(6)}`);
    await number(`+33662${digits(6)}`);
    const plan = await newProduct("Retry", {
      retail_price: 500,
      provisioning_play: "voip",
      required_inventory: ["phone_number"],
      provisioning_json_vars: { number_pool: pool },
    });
    const ordered = await api("POST", `/customers/${customerId}/services`, { body: { product_id: plan }, headers: idem() });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    const serviceId = ordered.body.service.id as string;
    const held = async () => (await api("GET", `/inventory/items?service_id=${serviceId}`)).body.data as { id: string; fields: { msisdn: string } }[];
    expect((await held()).map((i) => i.fields.msisdn)).toEqual([expect.stringMatching(/^\+3366/)]);
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(ordered.body.job.id).run();
    const lease = await pullMine(ordered.body.job.id);
    await runner(`/jobs/${ordered.body.job.id}/result`, { lease_id: lease.lease_id, status: "failed", error: { task: "Create", message: "boom" } });
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("failed");
    expect(await held()).toEqual([]);

    const retried = await api("POST", `/services/${serviceId}/retry`, { headers: idem() });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    const again = await held();
    expect(again.map((i) => i.fields.msisdn)).toEqual([expect.stringMatching(/^\+3366/)]);
    expect(again.map((i) => i.id)).not.toContain(fixed.id);
    expect((await api("GET", `/inventory/items/${fixed.id}`)).body).toMatchObject({ status: "in_stock", service_id: null });
  });

  it("re-leases a job whose lease ran out, refuses the stale lease, and kills it after its last attempt", async () => {
    const { serviceId, jobId, simId } = await orderOne();
    const first = await pullMine(jobId, 1000);
    await env.DB.prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), jobId)
      .run();
    const second = await pullMine(jobId);
    expect(second.attempts).toBe(2);
    // A long playbook's burst of events in one post (more than one statement's worth of parameters).
    const burst = Array.from({ length: 40 }, (_, i) => ({ task: `Task ${i}`, status: "ok", duration_ms: i }));
    expect((await runner(`/jobs/${jobId}/events`, { lease_id: second.lease_id, events: burst })).body.recorded).toBe(40);
    expect(second.lease_id).not.toBe(first.lease_id);
    expect((await runner(`/jobs/${jobId}/result`, { lease_id: first.lease_id, status: "succeeded" })).status).toBe(409);
    // Retry with a delay: given back, not leased before the delay.
    const retry = await runner("/jobs/ack", { retries: [{ lease_id: second.lease_id, delay_seconds: 3600 }] });
    expect(retry.body.retried).toBe(1);
    expect((await runner("/jobs/pull", { batch_size: 10 })).body.messages.map((m: { id: string }) => m.id)).not.toContain(jobId);
    // Last attempt lost: dead, and rolled back like a failure.
    await env.DB.prepare("UPDATE jobs SET status = 'leased', attempts = max_attempts, lease_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), jobId)
      .run();
    await runner("/jobs/pull", { batch_size: 1 });
    expect(await row<{ status: string }>("SELECT status FROM jobs WHERE id = ?", jobId)).toEqual({ status: "dead" });
    expect((await api("GET", "/jobs?dead=true")).body.data.map((j: { id: string }) => j.id)).toContain(jobId);
    expect((await api("GET", "/jobs?dead=false&limit=200")).body.data.map((j: { id: string }) => j.id)).not.toContain(jobId);
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("failed");
    expect((await api("GET", `/inventory/items/${simId}`)).body.status).toBe("in_stock");
  });

  it("confirms a top-up when its job succeeds and reverses it (and its charge) when it fails", async () => {
    const { serviceId, jobId } = await orderOne();
    const lease = await pullMine(jobId);
    await runner(`/jobs/${jobId}/result`, { lease_id: lease.lease_id, status: "succeeded" });
    const monetary = async () => (await api("GET", `/services/${serviceId}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "monetary");
    for (const [status, expected] of [
      ["succeeded", { amount: 500, pending_amount: 0 }],
      ["failed", { amount: 500, pending_amount: 0 }],
    ] as const) {
      const top = await api("POST", `/services/${serviceId}/top-ups`, { body: { amount: 500, currency: "EUR" }, headers: idem() });
      expect(top.status).toBe(202);
      const job = await row<{ id: string }>("SELECT id FROM jobs WHERE service_id = ? AND type = 'topup' ORDER BY id DESC LIMIT 1", serviceId);
      await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(job?.id).run();
      const m = await pullMine(job?.id ?? "");
      expect(m.body.playbook).toBeNull(); // a monetary credit: the runner calls CGRateS itself
      // The credit in BSS units and as CGRateS gets it: 5.00 EUR is *monetary 5, never 500.
      expect(m.body.extra_vars.charging.credits).toEqual([
        { id: expect.stringMatching(/^topup:/), unit: "monetary", amount: 500, validity_days: null, type: "*monetary", value: 5, expiry: "*unlimited" },
      ]);
      await runner(`/jobs/${job?.id}/result`, {
        lease_id: m.lease_id,
        status,
        error: status === "failed" ? { task: "AddBalance", message: "SERVER_ERROR" } : null,
      });
      expect(await monetary()).toMatchObject(expected);
    }
    const money = await api("GET", `/transactions?service_id=${serviceId}`);
    const topups = money.body.data.filter((t: { description: string }) => t.description.includes("Top-up"));
    const net = topups.reduce((s: number, t: { kind: string; amount: number }) => s + (t.kind === "charge" ? t.amount : -t.amount), 0);
    expect(net).toBe(500);
  });
});

describe("job pages", () => {
  it("lists jobs, shows a job's events live, and retries a dead job", async () => {
    const { pageSession } = await import("./helpers");
    const { jobId } = await orderOne();
    const lease = await pullMine(jobId);
    await runner(`/jobs/${jobId}/events`, { lease_id: lease.lease_id, events: [{ task: "Create <account>", status: "started" }] });
    const page = await pageSession("admin");
    const list = await page.get("/admin/jobs?status=leased");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(jobId);
    const detail = await (await page.get(`/admin/jobs/${jobId}`)).text();
    expect(detail).toContain('hx-trigger="every 2s"');
    expect(detail).toContain("Create &lt;account&gt;");
    expect(detail).toContain("0 of 1 task(s) done");
    await runner(`/jobs/${jobId}/result`, { lease_id: lease.lease_id, status: "failed", error: { task: "Create <account>", message: "boom" } });
    const fragment = await (await page.get(`/admin/jobs/${jobId}/live`)).text();
    expect(fragment).not.toContain("every 2s");
    // Retry of a failed provisioning: a new job for the service, inventory reserved again.
    const retried = await page.post(`/admin/jobs/${jobId}/retry`, {});
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toMatch(/^\/admin\/jobs\/job_/);
    expect(retried.headers.get("location")).not.toBe(`/admin/jobs/${jobId}`);
    expect((await page.get("/admin/jobs")).status).toBe(200);
    const support = await pageSession("support");
    expect((await support.post(`/admin/jobs/${jobId}/retry`, {})).status).toBe(403);
  });
});

describe("playbook dry run", () => {
  it("queues a --check job with sample variables and reserves nothing", async () => {
    const before = await row<{ n: number }>("SELECT count(*) AS n FROM inventory_items WHERE status = 'reserved'");
    const queued = await api("POST", `/products/${productId}/test-playbook`);
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(queued.body.job.id).run();
    const m = await pullMine(queued.body.job.id);
    expect(m.body).toMatchObject({ check: true, playbook: "charging_account", service_id: null });
    expect(m.body.extra_vars.inventory.map((i: { type: string }) => i.type)).toEqual(["sim"]);
    // The same charging variables a real order would carry, so the playbook's CGRateS tasks run (read-only).
    expect(m.body.extra_vars.charging.product.balances).toEqual([
      expect.objectContaining({ unit: "data", amount: 1_000_000, type: "*data", value: 1_000_000 }),
    ]);
    expect(await row<{ n: number }>("SELECT count(*) AS n FROM inventory_items WHERE status = 'reserved'")).toEqual(before);
    const done = await runner(`/jobs/${m.id}/result`, { lease_id: m.lease_id, status: "succeeded", outputs: {} });
    expect(done.body.job.status).toBe("succeeded");
    expect((await api("POST", `/products/${productId}/test-playbook`, { role: "support" })).status).toBe(403);
    const page = await (await import("./helpers")).pageSession("admin");
    expect(await (await page.get(`/admin/catalog/${productId}`)).text()).toContain("Test this playbook");
    const started = await page.post(`/admin/catalog/${productId}/test-playbook`, {});
    expect(started.headers.get("location")).toMatch(/^\/admin\/jobs\/job_/);
  });
});

describe("usage sync", () => {
  it("queues a sync of a live service (once at a time) and stores the usage the runner read", async () => {
    const { serviceId, jobId } = await orderOne();
    expect((await api("POST", `/services/${serviceId}/sync`)).status).toBe(409); // still pending
    const lease = await pullMine(jobId);
    await runner(`/jobs/${jobId}/result`, { lease_id: lease.lease_id, status: "succeeded" });
    const queued = await api("POST", `/services/${serviceId}/sync`);
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect((await api("POST", `/services/${serviceId}/sync`)).status).toBe(409);
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(queued.body.job.id).run();
    const m = await pullMine(queued.body.job.id);
    expect(m.body.playbook).toBeNull();
    const day = new Date().toISOString().slice(0, 10);
    await runner(`/jobs/${m.id}/result`, {
      lease_id: m.lease_id,
      status: "succeeded",
      outputs: {
        usage: [
          { day, unit: "data", amount: 123_456 },
          { day: "bad", unit: "data", amount: 1 },
          { day, unit: "warp", amount: 1 },
        ],
      },
    });
    const usage = await api("GET", `/services/${serviceId}/usage?days=2`);
    expect(usage.body.days).toEqual([{ day, unit: "data", amount: 123_456 }]);
    // The minute cron queues syncs for live services not synced lately (this one just was).
    const { queueDueSyncs } = await import("../domain/jobs/sync");
    const { db } = await import("./helpers");
    const deps = { state: () => ({}) as never, enqueue: async () => undefined };
    await queueDueSyncs(db(), deps, new Date().toISOString(), 200);
    const recent = await row<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE service_id = ? AND type = 'sync_balance'", serviceId);
    expect(recent?.n).toBe(1);
  });
});

describe("bundles", () => {
  it("activates a bundle's component services with it", async () => {
    const make = async (extra: Record<string, unknown>) => {
      const slug = unique("b")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, 50);
      const res = await api("POST", "/products", {
        body: {
          name: `P ${slug}`,
          slug,
          service_type: "other",
          status: "active",
          retail_price: 100,
          type: "standalone",
          provisioning_play: "charging_account",
          ...extra,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const internet = await make({ service_type: "fixed_internet", included_balances: [{ unit: "data", amount: 5000, validity_days: null }] });
    const tv = await make({ service_type: "iptv" });
    const bundle = await make({ type: "bundle", components: [internet, tv], provisioning_play: "bundle" });
    const ordered = await api("POST", `/customers/${customerId}/services`, { body: { product_id: bundle }, headers: idem() });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(ordered.body.job.id).run();
    const m = await pullMine(ordered.body.job.id);
    expect(m.body.extra_vars.components).toHaveLength(2);
    await runner(`/jobs/${m.id}/result`, { lease_id: m.lease_id, status: "succeeded" });
    const children = (await api("GET", `/services?parent_service_id=${ordered.body.service.id}`)).body.data;
    expect(children.map((c: { status: string }) => c.status)).toEqual(["active", "active"]);
    const withData = children.find((c: { product_id: string }) => c.product_id === internet);
    expect((await api("GET", `/services/${withData.id}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "data").amount).toBe(5000);
    // The bundle has no CGRateS account of its own (its components each have one): neither staff nor
    // the cron queue a sync of it, which could only fail; its components are synced.
    const bundleId = ordered.body.service.id as string;
    const refused = await api("POST", `/services/${bundleId}/sync`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.detail).toContain("component");
    const { queueDueSyncs, queueNightlyReconciliation } = await import("../domain/jobs/sync");
    const { db } = await import("./helpers");
    const deps = { state: () => ({}) as never, enqueue: async () => undefined };
    const now = new Date();
    await queueDueSyncs(db(), deps, now.toISOString(), 500);
    await queueNightlyReconciliation(db(), deps, new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23)).toISOString(), 500);
    const syncs = async (id: string) => (await row<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE service_id = ? AND type = 'sync_balance'", id))?.n;
    expect(await syncs(bundleId)).toBe(0);
    expect(await syncs(withData.id)).toBeGreaterThan(0);
  });
});

describe("runner health and stranded jobs", () => {
  it("shows the runner's last pull on the dashboard, and stale pending jobs with a way to send them again", async () => {
    const { pageSession } = await import("./helpers");
    await runner("/jobs/pull", { batch_size: 1 });
    const page = await pageSession("admin");
    const dashboard = await (await page.get("/admin")).text();
    expect(dashboard).toContain("Provisioning runner");
    expect(dashboard).toMatch(/last pull[\s\S]*healthy/);
    const stale = new Date(Date.now() - 5 * 60_000).toISOString();
    const jobId = `job_stale${Date.now().toString(36)}`;
    await env.DB.prepare(
      "INSERT INTO jobs (id, type, status, service_id, payload, attempts, max_attempts, created_at, updated_at) VALUES (?, 'catalog', 'pending', NULL, '{}', 0, 5, ?, ?)",
    )
      .bind(jobId, stale, stale)
      .run();
    const list = await (await page.get("/admin/jobs?status=pending")).text();
    expect(list).toContain(jobId);
    expect(list).toContain(">stale<");
    expect(await (await page.get("/admin")).text()).toMatch(/[1-9]\d* stranded in pending/);
    const resent = await page.post(`/admin/jobs/${jobId}/resend`, {});
    expect(resent.status).toBe(303);
    const row = await env.DB.prepare("SELECT updated_at FROM jobs WHERE id = ?").bind(jobId).first<{ updated_at: string }>();
    expect(Date.parse(row?.updated_at ?? "")).toBeGreaterThan(Date.parse(stale));
    // Read-only staff see it, and cannot send it.
    const readonly = await pageSession("read-only");
    expect((await readonly.post(`/admin/jobs/${jobId}/resend`, {})).status).toBe(403);
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id = ?").bind(jobId).run();
  });
});
