import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emailOutbox, jobs } from "../db/schema";
import { emailRow } from "../domain/email/outbox";
import type { ServiceState } from "../durable/service-state";
import worker from "../index";
import { sendJobs } from "../queue/provisioning";
import { runScheduled } from "../scheduled";
import { customer, product } from "./billing-helpers";
import { api, db, testEnv, unique } from "./helpers";

/**
 * Runs the exported scheduled handler as Cloudflare's cron does; returns the tasks it logged. On the
 * 1st of a month the clock moves a day on: the monthly bill run would bill every customer of the
 * shared test database under the other files' feet (bill-runs.test.ts tests that task on its own).
 */
async function cron(when = new Date()) {
  const at = when.getUTCDate() === 1 ? new Date(when.getTime() + 86_400_000) : when;
  const ctx = createExecutionContext();
  const logs: string[] = [];
  const log = console.log;
  console.log = (line: unknown) => logs.push(String(line));
  try {
    await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
  } finally {
    console.log = log;
  }
  return logs.flatMap((l) => (l.includes('"scheduled task"') ? [JSON.parse(l) as { task: string; ok: boolean; error?: string; result?: unknown }] : []));
}

describe("the minute cron", () => {
  it("runs every task through the scheduled handler and logs each outcome", async () => {
    const tasks = await cron();
    expect(tasks.map((t) => t.task)).toEqual([
      "purge_idempotency_keys",
      "sweep_inventory",
      "end_number_quarantines",
      "sweep_jobs",
      "queue_usage_syncs",
      "queue_nightly_reconciliation",
      "monthly_bill_run",
      "email_billed_invoices",
      "settle_payments",
      "auto_pay",
      "dunning",
      "card_expiry_reminders",
      "dispatch_webhooks",
      "deliver_webhooks",
      "expire_broadcasts",
      "send_emails",
      "send_sms",
    ]);
    expect(tasks.filter((t) => !t.ok)).toEqual([]);
  });

  it("keeps going when one task fails, and says which", async () => {
    const ran: string[] = [];
    const outcomes = await runScheduled(env, new Date().toISOString(), {
      first: async () => ran.push("first"),
      broken: async () => {
        throw new Error("D1 is down");
      },
      last: async () => ran.push("last"),
    });
    expect(ran).toEqual(["first", "last"]);
    expect(outcomes.map((o) => [o.task, o.ok, o.error ?? null])).toEqual([
      ["first", true, null],
      ["broken", false, "Error: D1 is down"],
      ["last", true, null],
    ]);
  });

  it("retries a failed email and re-sends a job stranded in pending", async () => {
    const now = new Date();
    const email = {
      ...emailRow(now.toISOString(), { email: `cron.${Date.now()}@example.com` }, { template: "test", subject: "Cron retry", text: "t", html: "<p>t</p>" }),
      attempts: 1,
      lastError: "Mailjet was down",
      nextAttemptAt: new Date(now.getTime() - 1000).toISOString(),
    };
    await db().insert(emailOutbox).values(email);
    const stale = new Date(now.getTime() - 5 * 60_000).toISOString();
    const jobId = `job_${unique("stranded").replace(/[^a-z0-9]/gi, "")}`;
    await db()
      .insert(jobs)
      .values({
        id: jobId,
        type: "catalog",
        status: "pending",
        serviceId: null,
        payload: { product_id: "p", product_version_id: "v" },
        attempts: 0,
        maxAttempts: 5,
        createdAt: stale,
        updatedAt: stale,
      });
    const tasks = await cron(now);
    expect(tasks.find((t) => t.task === "sweep_jobs")?.result).toMatchObject({ resent: expect.any(Number) });
    const sent = await env.DB.prepare("SELECT status, attempts, last_error FROM email_outbox WHERE id = ?")
      .bind(email.id)
      .first<{ status: string; attempts: number }>();
    expect(sent).toEqual({ status: "sent", attempts: 2, last_error: null });
    const job = await env.DB.prepare("SELECT updated_at FROM jobs WHERE id = ?").bind(jobId).first<{ updated_at: string }>();
    expect(Date.parse(job?.updated_at ?? "")).toBeGreaterThan(Date.parse(stale));
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id = ?").bind(jobId).run();
  });
});

/** A pending catalogue job, as the queue consumer finds it. */
const catalogJob = (id: string, now: string) => ({
  id,
  type: "catalog" as const,
  status: "pending" as const,
  serviceId: null,
  payload: { product_id: "p", product_version_id: "v" },
  attempts: 0,
  maxAttempts: 5,
  createdAt: now,
  updatedAt: now,
});

describe("the queue consumer", () => {
  it("makes a committed job ready once, retries what it cannot read, and never acks a malformed message", async () => {
    const now = new Date().toISOString();
    const jobId = `job_${unique("queued").replace(/[^a-z0-9]/gi, "")}`;
    await db().insert(jobs).values(catalogJob(jobId, now));
    const batch = createMessageBatch("provisioning", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "job", job_id: jobId } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { kind: "job", job_id: jobId } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { kind: "nonsense" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, testEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m3"]);
    const row = await env.DB.prepare("SELECT status FROM jobs WHERE id = ?").bind(jobId).first<{ status: string }>();
    expect(row?.status).toBe("ready");
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id = ?").bind(jobId).run();
  });
  it("makes a full delivery of 100 jobs ready in one D1 call, no statement over D1's 100 bound parameters", async () => {
    const now = new Date().toISOString();
    const prefix = `job_${unique("full").replace(/[^a-z0-9]/gi, "")}`;
    const rows = Array.from({ length: 100 }, (_, i) => catalogJob(`${prefix}${String(i).padStart(3, "0")}`, now));
    const d = db();
    await d.batch(rows.map((row) => d.insert(jobs).values(row)) as never);
    // The tests' D1 (refusing more than 100 bound values, as D1 does), counting the calls that reach it.
    let calls = 0;
    const DB = new Proxy(testEnv.DB, {
      get(target, prop) {
        if (prop === "batch" || prop === "exec") calls++;
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const batch = createMessageBatch(
      "provisioning",
      rows.map((row, i) => ({ id: `f${i}`, timestamp: new Date(), attempts: 1, body: { kind: "job", job_id: row.id } })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...testEnv, DB });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toEqual([]);
    expect(calls).toBe(1);
    const ready = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE id LIKE ? AND status = 'ready'").bind(`${prefix}%`).first<{ n: number }>();
    expect(ready?.n).toBe(100);
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id LIKE ?").bind(`${prefix}%`).run();
  });
  it("sends the jobs of one write as one message (90 ids at most) and makes every job of such a message ready", async () => {
    const sent: unknown[][] = [];
    const queue = { sendBatch: async (messages: { body: unknown }[]) => void sent.push(messages.map((m) => m.body)) } as unknown as Queue;
    await sendJobs(queue, ["job_a"]);
    const many = Array.from({ length: 95 }, (_, i) => `job_m${i}`);
    await sendJobs(queue, many);
    expect(sent).toEqual([
      [{ kind: "job", job_id: "job_a" }],
      [
        { kind: "jobs", job_ids: many.slice(0, 90) },
        { kind: "jobs", job_ids: many.slice(90) },
      ],
    ]);

    const now = new Date().toISOString();
    const prefix = `job_${unique("grouped").replace(/[^a-z0-9]/gi, "")}`;
    const ids = [0, 1, 2].map((i) => `${prefix}${i}`);
    const d = db();
    await d.batch(ids.map((id) => d.insert(jobs).values(catalogJob(id, now))) as never);
    const batch = createMessageBatch("provisioning", [
      { id: "g1", timestamp: new Date(), attempts: 1, body: { kind: "jobs", job_ids: ids } },
      { id: "g2", timestamp: new Date(), attempts: 1, body: { kind: "jobs", job_ids: [] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, testEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["g1"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["g2"]);
    const ready = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE id LIKE ? AND status = 'ready'").bind(`${prefix}%`).first<{ n: number }>();
    expect(ready?.n).toBe(3);
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id LIKE ?").bind(`${prefix}%`).run();
  });
});

/** A service ordered through the API (a product at `price`, a customer of its own), with its object's stub. */
async function orderedService(price: number) {
  const customerId = await customer("prepaid");
  const { id: productId } = await product(price);
  const order = await api("POST", `/customers/${customerId}/services`, {
    body: { product_id: productId },
    headers: { "idempotency-key": `scheduled-order-${crypto.randomUUID()}` },
  });
  expect(order.status, JSON.stringify(order.body)).toBe(202);
  const serviceId = order.body.service.id as string;
  return { serviceId, jobId: order.body.job.id as string, stub: env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId)) };
}

describe("the ServiceState alarm", () => {
  it("writes through what a failed write left behind", async () => {
    const { serviceId, jobId, stub } = await orderedService(100);
    // An operation recorded in the object but not in D1 (its write-through failed): the alarm writes it.
    const counts = async () =>
      env.DB.prepare(
        "SELECT (SELECT count(*) FROM transactions WHERE service_id = ?1) AS txns, (SELECT count(*) FROM activity_log WHERE entity_id = ?1) AS activity, (SELECT count(*) FROM service_buckets WHERE service_id = ?1) AS buckets",
      )
        .bind(serviceId)
        .first();
    const before = await counts();
    await env.DB.prepare("DELETE FROM jobs WHERE id = ?").bind(jobId).run();
    await runInDurableObject(stub, async (instance: ServiceState, state) => {
      const seq = state.storage.sql.exec<{ seq: number }>("SELECT seq FROM ops WHERE key = 'create'").toArray()[0]?.seq ?? 0;
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'synced_seq'", String(seq - 1));
      // What the instance remembers goes too, as if the object had stopped before its write-through.
      const memory = instance as unknown as { store: { metaCache: Map<string, string | null> }; log: { flushedSeq: number; caughtUp: boolean } };
      memory.store.metaCache.clear();
      memory.log.flushedSeq = 0;
      memory.log.caughtUp = false;
      await instance.alarm();
    });
    const job = await env.DB.prepare("SELECT status FROM jobs WHERE id = ?").bind(jobId).first<{ status: string }>();
    expect(job?.status).toMatch(/pending|ready/);
    // Written again, nothing doubled: every write-through statement is idempotent.
    expect(await counts()).toEqual(before);
    expect((await api("GET", `/services/${serviceId}`)).body.status).toBe("pending");
  });

  it("never writes through an operation whose transaction rolled back", async () => {
    const { serviceId, stub } = await orderedService(0);
    await runInDurableObject(stub, async (instance: ServiceState, state) => {
      type Log = { record: (key: string, value: unknown, effects: unknown) => unknown; flush: () => Promise<void> };
      const inner = instance as unknown as { store: { tx: <T>(fn: () => T) => T }; log: Log };
      // Recorded, then the transaction throws: SQLite rolls the operation back, and the write-through
      // (which, once caught up, takes operations from memory) must not send it to D1.
      expect(() =>
        inner.store.tx(() => {
          inner.log.record("rolled-back", {}, { serviceUpdate: { id: serviceId, status: "active" } });
          throw new Error("refused after recording");
        }),
      ).toThrow("refused after recording");
      expect(state.storage.sql.exec("SELECT 1 FROM ops WHERE key = 'rolled-back'").toArray()).toHaveLength(0);
      await inner.log.flush();
    });
    const row = await env.DB.prepare("SELECT status FROM services WHERE id = ?").bind(serviceId).first<{ status: string }>();
    expect(row?.status).toBe("pending");
  });
});
