import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getSettings } from "../db/queries/settings";
import { advanceBillRun, createBillRun, queueMonthlyBillRun } from "../domain/billing/bill-runs/run";
import worker from "../index";
import { emailBilledInvoices } from "../integrations/invoice-files";
import { customer, period, product, runToEnd, service, settled, startRun } from "./billing-helpers";
import { api, pageSession, testContext, testEnv } from "./helpers";

/** Months far from today and from each other, so each test bills its own. */
const MONTHS = { a: "2031-03", b: "2031-05", c: "2031-07", d: "2031-09" } as const;

async function invoicesOf(customerId: string, ym: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, number, status, total_amount, subtotal_amount, tax_amount, bill_run_id FROM invoices WHERE customer_id = ? AND period_start = ? AND kind = 'invoice'",
  )
    .bind(customerId, `${ym}-01`)
    .all<{ id: string; number: string | null; status: string; total_amount: number; subtotal_amount: number; tax_amount: number; bill_run_id: string }>();
  return results;
}

async function linesOf(invoiceId: string) {
  const { results } = await env.DB.prepare(
    "SELECT l.description, l.amount, l.tax_amount, t.source_key FROM invoice_lines l LEFT JOIN transactions t ON t.id = l.transaction_id WHERE l.invoice_id = ? ORDER BY l.position",
  )
    .bind(invoiceId)
    .all<{ description: string; amount: number; tax_amount: number; source_key: string }>();
  return results;
}

describe("bill runs", () => {
  it("bills a month: recurring in advance (prorated to the second), postpaid usage in arrears, one issued invoice per customer; again → nothing new", async () => {
    const ym = MONTHS.a;
    const plan = await product(3000);
    const whole = await customer();
    const partial = await customer();
    const prepaid = await customer("prepaid");
    const s1 = await service(whole, plan.id, "2031-01-15T00:00:00.000Z");
    // Activated half way through the month (15.5 days of 31): half the price, half-even.
    const s2 = await service(partial, plan.id, "2031-03-16T12:00:00.000Z");
    const s3 = await service(prepaid, plan.id, "2031-01-01T00:00:00.000Z");
    // Usage CGRateS rated in February, for the postpaid and the prepaid service.
    for (const s of [s1, s3])
      await env.DB.prepare(
        "INSERT INTO usage_records (service_id, day, unit, amount) VALUES (?, '2031-02-10', 'monetary', 1234), (?, '2031-02-20', 'monetary', 66)",
      )
        .bind(s, s)
        .run();

    const started = await api("POST", "/bill-runs", { body: period(ym) });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: "queued", period_start: `${ym}-01`, period_end: `${ym}-31`, issue: true });
    expect(started.headers.get("location")).toBe(`/api/v1/bill-runs/${started.body.id}`);
    // The queue delivers the job to the worker's consumer, which carries the run.
    const done = await settled(started.body.id);
    expect(done).toMatchObject({ status: "completed", job_status: "succeeded" });
    expect(done.customers_done).toBe(done.customers_total);

    const [a] = await invoicesOf(whole, ym);
    expect(a).toMatchObject({ status: "issued", bill_run_id: started.body.id });
    expect(a?.number).toMatch(/^INV-\d{4}-\d{5}$/);
    const aLines = await linesOf(a?.id ?? "");
    expect(aLines.map((l) => [l.source_key, l.amount])).toEqual(
      expect.arrayContaining([
        [`recurring:${s1}:${ym}-01`, 3000],
        [`usage:${s1}:2031-02-01`, 1300],
      ]),
    );
    // Invariant: total = Σ lines = Σ (net + tax).
    expect(a?.subtotal_amount).toBe(aLines.reduce((n, l) => n + l.amount, 0));
    expect(a?.total_amount).toBe(aLines.reduce((n, l) => n + l.amount + l.tax_amount, 0));

    const [b] = await invoicesOf(partial, ym);
    expect((await linesOf(b?.id ?? "")).find((l) => l.source_key === `recurring:${s2}:${ym}-01`)?.amount).toBe(1500);
    // Prepaid usage was already paid from the balance: never charged again.
    const [c] = await invoicesOf(prepaid, ym);
    expect((await linesOf(c?.id ?? "")).map((l) => l.source_key)).toEqual([`recurring:${s3}:${ym}-01`]);

    // The run's transactions are marked invoiced, on the invoice that holds them.
    const stray = await env.DB.prepare("SELECT count(*) AS n FROM transactions WHERE customer_id IN (?, ?, ?) AND invoice_id IS NULL AND date <= ?")
      .bind(whole, partial, prepaid, `${ym}-31`)
      .first<{ n: number }>();
    expect(stray?.n).toBe(0);
    const activity = await env.DB.prepare("SELECT action FROM activity_log WHERE entity = 'invoice' AND entity_id = ? ORDER BY id")
      .bind(a?.id ?? "")
      .all<{ action: string }>();
    expect(activity.results.map((r) => r.action)).toEqual(["invoice.create", "invoice.issue"]);

    // The same month again: a new run, no new invoice, no new charge.
    const txns = await env.DB.prepare("SELECT count(*) AS n FROM transactions").first<{ n: number }>();
    const again = await startRun(ym);
    expect((await runToEnd(again.job_id)).outcome).toBe("done");
    expect((await api("GET", `/bill-runs/${again.id}`)).body).toMatchObject({ status: "completed", invoices: 0 });
    for (const id of [whole, partial, prepaid]) expect(await invoicesOf(id, ym)).toHaveLength(1);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM transactions").first<{ n: number }>())?.n).toBe(txns?.n);
  });

  it("numbers invoices gap-free across chunks and a crash: the resumed run finishes with no missing and no duplicate invoice", async () => {
    const ym = MONTHS.b;
    const plan = await product(1000);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await customer();
      await service(id, plan.id, "2031-01-01T00:00:00.000Z");
      ids.push(id);
    }
    const started = await startRun(ym);
    const jobId = started.job_id;
    // Two chunks of 2 customers, then the executor "dies" holding the lease.
    const first = await advanceBillRun({ ...testContext(), now: new Date().toISOString() }, async () => {}, jobId, { chunk: 2, maxChunks: 2 });
    expect(first).toBe("continued");
    expect((await api("GET", `/bill-runs/${started.id}`)).body).toMatchObject({ status: "running", customers_done: 4 });
    await env.DB.prepare("UPDATE jobs SET status = 'leased', lease_id = 'lse_dead', lease_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() + 60_000).toISOString(), jobId)
      .run();
    // While the dead lease holds, nobody else takes the run.
    expect((await runToEnd(jobId)).outcome).toBe("busy");
    // The lease runs out; the minute sweep sends the job again; the next delivery finishes it.
    await env.DB.prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), jobId)
      .run();
    const { sweepJobs } = await import("../domain/jobs/runner");
    const { serviceDeps } = await import("../durable/service-client");
    const sent: string[] = [];
    const deps = { ...serviceDeps(env), enqueue: async (jobIds: readonly string[]) => void sent.push(...jobIds) };
    await sweepJobs(testContext().db, deps, { actor: { type: "system", id: null, label: "test" }, requestId: null, now: new Date().toISOString() });
    expect(sent).toContain(jobId);
    expect((await runToEnd(jobId, { chunk: 2 })).outcome).toBe("done");

    const mine = (await Promise.all(ids.map((id) => invoicesOf(id, ym)))).map((list) => {
      expect(list).toHaveLength(1);
      return list[0];
    });
    const run = await api("GET", `/bill-runs/${started.id}`);
    expect(run.body).toMatchObject({ status: "completed", errors: 0 });
    expect(run.body.customers_done).toBe(run.body.customers_total);
    // Every number of the run's year is taken exactly once, with no gap.
    const year = mine[0]?.number?.slice(4, 8);
    const { results } = await env.DB.prepare("SELECT number FROM invoices WHERE number LIKE ? ORDER BY number").bind(`INV-${year}-%`).all<{ number: string }>();
    const seqs = results.map((r) => Number(r.number.slice(9)));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const last = await env.DB.prepare("SELECT last FROM invoice_sequences WHERE series = 'INV' AND year = ?").bind(Number(year)).first<{ last: number }>();
    expect(last?.last).toBe(seqs.length);
  });

  it("a run whose job died is failed; a staff retry of the job runs it again from its cursor to the end", async () => {
    const plan = await product(700);
    const id = await customer();
    await service(id, plan.id, "2030-01-01T00:00:00.000Z");
    const started = await startRun("2034-02");
    // Out of attempts while leased, and the lease ran out: the sweep marks the job dead and the run failed.
    await env.DB.prepare("UPDATE jobs SET status = 'leased', attempts = max_attempts, lease_id = 'lse_gone', lease_expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), started.job_id)
      .run();
    const { sweepJobs } = await import("../domain/jobs/runner");
    const { serviceDeps } = await import("../durable/service-client");
    await sweepJobs(
      testContext().db,
      { ...serviceDeps(env), enqueue: async () => {} },
      { actor: { type: "system", id: null, label: "test" }, requestId: null, now: new Date().toISOString() },
    );
    expect((await api("GET", `/bill-runs/${started.id}`)).body).toMatchObject({ status: "failed", job_status: "dead" });
    // The retry queues the job: the worker's consumer takes it up at once.
    expect((await api("POST", `/jobs/${started.job_id}/retry`)).status).toBe(202);
    expect(await settled(started.id)).toMatchObject({ status: "completed", job_status: "succeeded" });
    expect(await invoicesOf(id, "2034-02")).toHaveLength(1);
  });

  it("one bad customer does not stop the run: it is listed with its reason and the others are billed", async () => {
    const ym = MONTHS.c;
    const good = await product(500);
    const bad = await product(700);
    await env.DB.prepare("UPDATE products SET tax_class = 'no-such-class' WHERE id = ?").bind(bad.id).run();
    const ok1 = await customer();
    const broken = await customer();
    const ok2 = await customer();
    await service(ok1, good.id, "2031-01-01T00:00:00.000Z");
    await service(broken, bad.id, "2031-01-01T00:00:00.000Z");
    await service(ok2, good.id, "2031-01-01T00:00:00.000Z");
    const started = await startRun(ym);
    expect((await runToEnd(started.job_id, { chunk: 50 })).outcome).toBe("done");
    const run = await api("GET", `/bill-runs/${started.id}`);
    expect(run.body.status).toBe("completed");
    expect(run.body.error_list).toEqual(
      expect.arrayContaining([expect.objectContaining({ customer_id: broken, message: expect.stringContaining("tax rate") })]),
    );
    expect(await invoicesOf(ok1, ym)).toHaveLength(1);
    expect(await invoicesOf(ok2, ym)).toHaveLength(1);
    expect(await invoicesOf(broken, ym)).toHaveLength(0);
    await env.DB.prepare("UPDATE products SET status = 'retired' WHERE id = ?").bind(bad.id).run();
    await env.DB.prepare("UPDATE services SET status = 'terminated', terminated_at = '2031-06-01T00:00:00.000Z' WHERE product_id = ?").bind(bad.id).run();
  });

  it("credits the unused part of a period charged in advance when the service ends in it", async () => {
    const ym = MONTHS.d;
    const plan = await product(3000);
    const id = await customer();
    const svc = await service(id, plan.id, "2031-01-01T00:00:00.000Z");
    const run1 = await startRun(ym);
    expect((await runToEnd(run1.job_id)).outcome).toBe("done");
    // Terminated at noon on 16 September (of 30 days): 14.5 days unused → 1450 back next month.
    await env.DB.prepare("UPDATE services SET status = 'terminated', terminated_at = '2031-09-16T12:00:00.000Z' WHERE id = ?").bind(svc).run();
    const next = "2031-10";
    const run2 = await startRun(next);
    expect((await runToEnd(run2.job_id)).outcome).toBe("done");
    const [inv] = await invoicesOf(id, next);
    const lines = await linesOf(inv?.id ?? "");
    expect(lines.map((l) => [l.source_key, l.amount])).toEqual([[`recurring-credit:${svc}:${ym}-01`, -1450]]);
    expect(inv?.subtotal_amount).toBe(-1450);
  });

  it("charges the first, partial period of a service activated in the month before, after that month's run; never twice", async () => {
    const plan = await product(3000);
    const id = await customer();
    // The May run happens first (the service does not exist yet)…
    const may = await startRun("2032-05");
    expect((await runToEnd(may.job_id)).outcome).toBe("done");
    // …then it is activated at noon on 16 May (15.5 of 31 days left: half the price).
    const svc = await service(id, plan.id, "2032-05-16T12:00:00.000Z");
    const june = await startRun("2032-06");
    expect((await runToEnd(june.job_id)).outcome).toBe("done");
    const [inv] = await invoicesOf(id, "2032-06");
    expect((await linesOf(inv?.id ?? "")).map((l) => [l.source_key, l.amount])).toEqual([
      [`recurring:${svc}:2032-05-01`, 1500],
      [`recurring:${svc}:2032-06-01`, 3000],
    ]);
    // July: May is two months back, June was charged; only July.
    const july = await startRun("2032-07");
    expect((await runToEnd(july.job_id)).outcome).toBe("done");
    const [next] = await invoicesOf(id, "2032-07");
    expect((await linesOf(next?.id ?? "")).map((l) => l.source_key)).toEqual([`recurring:${svc}:2032-07-01`]);
  });

  it("emails each issued invoice of a run that sends them, once, with its PDF; a customer without an email address is counted, not retried", async () => {
    const plan = await product(2500);
    const withEmail = await customer();
    const email = `billing.${Date.now()}@example.com`;
    const contact = await api("POST", `/customers/${withEmail}/contacts`, { body: { first_name: "Bill", email, roles: ["billing"] } });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    const without = await customer();
    await service(withEmail, plan.id, "2030-01-01T00:00:00.000Z");
    await service(without, plan.id, "2030-01-01T00:00:00.000Z");
    const made = await createBillRun({ ...testContext(), now: new Date().toISOString() }, async () => {}, { ...period("2033-09"), send: true });
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ?").bind(made?.job_id).run();
    expect((await runToEnd(made?.job_id ?? "")).outcome).toBe("done");
    const ctx = { ...testContext(), now: new Date().toISOString() };
    const settings = (await getSettings(ctx.db)).data;
    // Other runs' invoices may wait too: mail until none is left.
    for (let i = 0; i < 50; i++) {
      const sent = await emailBilledInvoices(ctx, env.INVOICE_FILES, settings, 50);
      if (sent.queued + sent.no_recipient === 0) break;
    }
    const [inv] = await invoicesOf(withEmail, "2033-09");
    const outbox = await env.DB.prepare("SELECT to_email, attachments FROM email_outbox WHERE to_email = ?")
      .bind(email)
      .all<{ to_email: string; attachments: string }>();
    expect(outbox.results).toHaveLength(1);
    expect(JSON.parse(outbox.results[0]?.attachments ?? "[]")).toEqual([
      expect.objectContaining({ key: `invoices/${inv?.id}.pdf`, content_type: "application/pdf" }),
    ]);
    expect(await env.INVOICE_FILES.get(`invoices/${inv?.id}.pdf`)).not.toBeNull();
    // Mailing again sends nothing more; the run page counts both outcomes.
    await emailBilledInvoices(ctx, env.INVOICE_FILES, settings, 50);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM email_outbox WHERE to_email = ?").bind(email).first<{ n: number }>())?.n).toBe(1);
    const run = (await api("GET", `/bill-runs/${made?.id}`)).body;
    expect(run.send).toBe(true);
    expect(run.emailed + run.no_recipient).toBe(run.invoices);
    expect(run.no_recipient).toBeGreaterThanOrEqual(1);
  });

  it("refuses a period that is not one calendar month, with the field named, and writes nothing", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM bill_runs").first<{ n: number }>();
    for (const body of [
      { period_start: "2031-03-02", period_end: "2031-03-31" },
      { period_start: "2031-03-01", period_end: "2031-04-30" },
      { period_start: "2031-13-01", period_end: "2031-13-31" },
      { period_start: "2031-03-01" },
      { period_start: "2031-03-01", period_end: "2031-03-31", extra: 1 },
    ]) {
      const res = await api("POST", "/bill-runs", { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors?.length ?? res.body.invalid_params?.length).toBeGreaterThan(0);
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM bill_runs").first<{ n: number }>())?.n).toBe(before?.n);
    expect((await api("GET", "/bill-runs/brn_nope")).status).toBe(404);
  });

  it("the monthly cron makes one run on the 1st from 06:00 UTC, however often it fires, and none on other days", async () => {
    const enqueued: string[] = [];
    const enqueue = async (ids: string[]) => void enqueued.push(...ids);
    const at = (now: string) => ({ ...testContext(), now });
    expect(await queueMonthlyBillRun(at("2032-02-02T07:00:00.000Z"), enqueue)).toBeNull();
    // Not before the nightly usage sync has read the last day of January.
    expect(await queueMonthlyBillRun(at("2032-02-01T05:59:00.000Z"), enqueue)).toBeNull();
    const first = await queueMonthlyBillRun(at("2032-02-01T06:00:00.000Z"), enqueue);
    expect(first).toMatch(/^brn_/);
    expect(await queueMonthlyBillRun(at("2032-02-01T06:01:00.000Z"), enqueue)).toBeNull();
    expect(enqueued).toHaveLength(1);
    const run = await api("GET", `/bill-runs/${first}`);
    expect(run.body).toMatchObject({ trigger: "cron", period_start: "2032-02-01", period_end: "2032-02-29" });
    // Not delivered here: kept from the sweep, which would bill 2032 under the other files' feet.
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE id = ?").bind(run.body.job_id).run();
  });

  it("the queue consumer carries a bill run's job and acks its message", async () => {
    const made = await createBillRun({ ...testContext(), now: new Date().toISOString() }, async () => {}, period("2031-11"));
    const batch = createMessageBatch("provisioning", [{ id: "b1", timestamp: new Date(), attempts: 1, body: { kind: "job", job_id: made?.job_id } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, testEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["b1"]);
    const run = await api("GET", `/bill-runs/${made?.id}`);
    expect(run.body).toMatchObject({ status: "completed", job_status: "succeeded" });
  });

  it("the pages: start a run from the form, watch its progress, find its invoices; a bad month is shown inline and starts nothing", async () => {
    const s = await pageSession("billing");
    const list = await s.get("/admin/bill-runs");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("Start bill run");
    const before = await env.DB.prepare("SELECT count(*) AS n FROM bill_runs").first<{ n: number }>();
    const bad = await s.post("/admin/bill-runs", { month: "2031-13", issue: "1" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("A bill run covers one calendar month");
    const garbage = await s.post("/admin/bill-runs", { month: "soon" });
    expect(garbage.status).toBe(422);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM bill_runs").first<{ n: number }>())?.n).toBe(before?.n);

    const plan = await product(990);
    const id = await customer();
    await service(id, plan.id, "2031-01-01T00:00:00.000Z");
    const started = await s.post("/admin/bill-runs", { month: "2031-12", issue: "1" });
    expect(started.status).toBe(303);
    const path = started.headers.get("location") ?? "";
    expect(path).toMatch(/^\/admin\/bill-runs\/brn_/);
    const runId = path.split("/").at(-1) ?? "";
    await settled(runId);
    const page = await (await s.get(path)).text();
    expect(page).toContain("Bill run 2031-12");
    expect(page).toContain('<progress max="100" value="100"');
    // Finished: the fragment no longer polls.
    const live = await (await s.get(`${path}/live`)).text();
    expect(live).not.toContain("hx-trigger");
    const invoices = await (await s.get(`/admin/invoices?bill_run_id=${runId}&month=2031-12`)).text();
    expect(invoices).toMatch(/INV-\d{4}-\d{5}/);
    // A reader may look, not start one.
    const reader = await pageSession("support");
    expect((await reader.post("/admin/bill-runs", { month: "2031-12" })).status).toBe(403);
  });
});
