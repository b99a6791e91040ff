/**
 * Bill runs: made by hand (`POST /api/v1/bill-runs`, the bill-runs page) or by the monthly cron, each
 * carried out by a `bill_run` job that the worker runs itself from the queue consumer. One delivery
 * works through chunks of customers for a time budget, then gives the job back and queues it again;
 * a crash leaves the job leased until its lease runs out, and the minute sweep sends it again — the
 * next delivery continues from the run's cursor. See chunk.ts for what a chunk writes.
 */
import { type Db, prepared } from "../../../db/client";
import { Invalid, NotFound } from "../../../lib/errors";
import { ulid } from "../../../lib/ids";
import { recordActivity } from "../../activity/record";
import type { WriteContext } from "../../context";
import { jobTransition, randomLease } from "../../jobs/contract";
import { monthFrom, monthOfDate } from "./charges";
import { type BillRunRow, billChunk, CHUNK_CUSTOMERS, ChunkTaken } from "./chunk";

/** How long one delivery works before it hands over to the next (Queues consumers get 15 min of wall time). */
export const DELIVERY_BUDGET_MS = 20_000;
/** A leased bill run whose executor died is taken again after this. */
export const LEASE_MS = 120_000;
const MAX_ATTEMPTS = 5;

export type BillRunCreate = { period_start: string; period_end: string; issue?: boolean; send?: boolean };

/** The calendar month a request names, or a 422 naming the field. */
export function requestedMonth(input: BillRunCreate) {
  const month = monthFrom(input.period_start);
  if (!month) throw new Invalid("A bill run covers one calendar month.", [{ path: "period_start", message: "The first day of a month (YYYY-MM-01)" }]);
  if (input.period_end !== month.end)
    throw new Invalid("A bill run covers one calendar month.", [{ path: "period_end", message: `The last day of the same month (${month.end})` }]);
  return month;
}

/**
 * Creates a bill run and its job in one batch, then queues the job. `trigger: "cron"` is once per
 * month (a unique index): the cron's second call returns null.
 */
export async function createBillRun(
  ctx: WriteContext,
  enqueue: (ids: string[]) => Promise<void>,
  input: BillRunCreate,
  trigger: "manual" | "cron" = "manual",
): Promise<{ id: string; job_id: string } | null> {
  const month = requestedMonth(input);
  const d1 = ctx.db.$client;
  const id = `brn_${ulid()}`;
  const jobId = `job_${ulid()}`;
  const total = await d1.prepare("SELECT count(*) AS n FROM customers").first<{ n: number }>();
  const issue = input.issue ?? true;
  const send = issue && (input.send ?? true);
  const inserted = await d1
    .prepare(
      `INSERT OR IGNORE INTO bill_runs (id, period_start, period_end, trigger, issue, send, status, job_id, cursor, customers_total, customers_done,
         sequence_base, created_by, started_at, finished_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?10, 'queued', ?6, NULL, ?7, 0, NULL, ?8, NULL, NULL, ?9, ?9)`,
    )
    .bind(id, month.start, month.end, trigger, issue ? 1 : 0, jobId, total?.n ?? 0, ctx.actor.label, ctx.now, send ? 1 : 0)
    .run();
  if (inserted.meta.changes === 0) return null;
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO jobs (id, type, status, service_id, payload, attempts, max_attempts, lease_id, lease_expires_at, result, error, created_at, updated_at, finished_at, not_before)
         VALUES (?1, 'bill_run', 'pending', NULL, ?2, 0, ?3, NULL, NULL, NULL, NULL, ?4, ?4, NULL, NULL)`,
      )
      .bind(jobId, JSON.stringify({ bill_run_id: id }), MAX_ATTEMPTS, ctx.now),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "bill_run",
        entityId: id,
        customerId: null,
        action: "bill_run.create",
        after: { period_start: month.start, period_end: month.end, trigger, issue, send, job_id: jobId },
      }),
    ),
  ]);
  await enqueue([jobId]);
  return { id, job_id: jobId };
}

/**
 * The UTC hour of the 1st from which the cron starts the month's run: after the nightly usage sync
 * (02:00, `NIGHTLY_HOUR_UTC`) has read every live service's CDRs up to the end of the month before,
 * whose postpaid usage the run charges once.
 */
export const BILL_RUN_HOUR_UTC = 6;

/** The monthly cron: on the 1st (UTC, from 06:00), a bill run for the month that starts (once, however often it fires). */
export async function queueMonthlyBillRun(ctx: WriteContext, enqueue: (ids: string[]) => Promise<void>): Promise<string | null> {
  if (ctx.now.slice(8, 10) !== "01" || Number(ctx.now.slice(11, 13)) < BILL_RUN_HOUR_UTC) return null;
  const month = monthOfDate(ctx.now);
  const made = await createBillRun(ctx, enqueue, { period_start: month.start, period_end: month.end }, "cron");
  return made?.id ?? null;
}

export type AdvanceResult = "done" | "continued" | "busy" | "failed";

/**
 * One delivery of a bill run's job: takes its lease (ready, or leased with the lease run out), works
 * through chunks for `budgetMs`, then finishes the job or gives it back and queues it again. A
 * delivery that finds the job leased by another (or finished) does nothing.
 */
export async function advanceBillRun(
  ctx: WriteContext,
  enqueue: (ids: string[]) => Promise<void>,
  jobId: string,
  opts: { budgetMs?: number; chunk?: number; maxChunks?: number } = {},
): Promise<AdvanceResult> {
  const d1 = ctx.db.$client;
  const leaseId = randomLease();
  const expires = new Date(Date.parse(ctx.now) + LEASE_MS).toISOString();
  const from = jobTransition(["ready", "leased"], "leased");
  const job = await d1
    .prepare(
      `UPDATE jobs SET status = 'leased', lease_id = ?2, lease_expires_at = ?3, attempts = attempts + 1, updated_at = ?4
       WHERE id = ?1 AND type = 'bill_run' AND attempts < max_attempts AND status IN (?5, ?6)
         AND (status = 'ready' OR lease_expires_at < ?4) AND (not_before IS NULL OR not_before <= ?4)
       RETURNING payload, attempts, max_attempts AS maxAttempts`,
    )
    .bind(jobId, leaseId, expires, ctx.now, ...from)
    .first<{ payload: string; attempts: number; maxAttempts: number }>();
  if (!job) return "busy";
  const runId = (JSON.parse(job.payload) as { bill_run_id: string }).bill_run_id;
  // A failed run whose job staff retried (POST /jobs/{id}/retry) runs again from its cursor.
  await d1
    .prepare(
      "UPDATE bill_runs SET status = 'running', started_at = coalesce(started_at, ?2), finished_at = NULL, updated_at = ?2 WHERE id = ?1 AND status IN ('queued', 'running', 'failed')",
    )
    .bind(runId, ctx.now)
    .run();
  const started = Date.now();
  try {
    for (let n = 0; ; n++) {
      const run = await d1
        .prepare("SELECT id, period_start AS periodStart, period_end AS periodEnd, issue, cursor FROM bill_runs WHERE id = ?1")
        .bind(runId)
        .first<Omit<BillRunRow, "issue"> & { issue: number }>();
      if (!run) throw new NotFound(`No bill run ${runId}.`);
      const chunkCtx = { ...ctx, now: new Date(Math.max(Date.now(), Date.parse(ctx.now))).toISOString() };
      const result = await billChunk(chunkCtx, { ...run, issue: Boolean(run.issue) }, opts.chunk ?? CHUNK_CUSTOMERS);
      if (result.done) {
        await finish(d1, jobId, leaseId, runId, chunkCtx.now, "succeeded");
        return "done";
      }
      if (Date.now() - started > (opts.budgetMs ?? DELIVERY_BUDGET_MS) || n + 1 >= (opts.maxChunks ?? Number.POSITIVE_INFINITY)) break;
    }
  } catch (error) {
    if (error instanceof ChunkTaken) return "busy";
    // Give it back to be tried again (the attempt counts); out of attempts, the run has failed.
    const message = error instanceof Error ? error.message : String(error);
    if (job.attempts >= job.maxAttempts) {
      await finish(d1, jobId, leaseId, runId, ctx.now, "dead", message);
      return "failed";
    }
    await giveBack(d1, jobId, leaseId, ctx.now, new Date(Date.parse(ctx.now) + 30_000).toISOString(), message, false);
    await enqueue([jobId]);
    return "continued";
  }
  // Out of time: back to ready, with its attempts reset (a chunk that finishes is progress).
  await giveBack(d1, jobId, leaseId, ctx.now, null, null, true);
  await enqueue([jobId]);
  return "continued";
}

async function giveBack(d1: D1Database, jobId: string, leaseId: string, now: string, notBefore: string | null, error: string | null, progress: boolean) {
  const from = jobTransition(["leased"], "ready");
  await d1
    .prepare(
      `UPDATE jobs SET status = 'ready', lease_id = NULL, lease_expires_at = NULL, not_before = ?3, error = ?4, updated_at = ?5,
         attempts = CASE WHEN ?6 THEN 0 ELSE attempts END
       WHERE id = ?1 AND lease_id = ?2 AND status = ?7`,
    )
    .bind(jobId, leaseId, notBefore, error, now, progress ? 1 : 0, from[0])
    .run();
}

async function finish(d1: D1Database, jobId: string, leaseId: string, runId: string, now: string, status: "succeeded" | "dead", error?: string) {
  const from = jobTransition(["leased"], status);
  const summary = await billRunSummary(d1, runId);
  await d1.batch([
    d1
      .prepare(
        `UPDATE jobs SET status = ?3, lease_id = NULL, result = ?4, error = ?5, finished_at = ?6, updated_at = ?6
         WHERE id = ?1 AND lease_id = ?2 AND status = ?7`,
      )
      .bind(jobId, leaseId, status, JSON.stringify(summary), error ?? null, now, from[0]),
    d1
      .prepare("UPDATE bill_runs SET status = ?2, finished_at = ?3, updated_at = ?3 WHERE id = ?1")
      .bind(runId, status === "succeeded" ? "completed" : "failed", now),
  ]);
}

/** Marks the run of a `bill_run` job that died (its lease ran out on its last attempt) failed. */
export async function billRunJobDied(d1: D1Database, payload: Record<string, unknown>, now: string): Promise<void> {
  if (typeof payload.bill_run_id !== "string") return;
  await d1
    .prepare("UPDATE bill_runs SET status = 'failed', finished_at = ?2, updated_at = ?2 WHERE id = ?1 AND status IN ('queued', 'running')")
    .bind(payload.bill_run_id, now)
    .run();
}

/** A failed run whose job staff retried is queued again (it continues from its cursor). */
export async function billRunRetried(d1: D1Database, payload: Record<string, unknown>, now: string): Promise<void> {
  if (typeof payload.bill_run_id !== "string") return;
  await d1
    .prepare("UPDATE bill_runs SET status = 'queued', finished_at = NULL, updated_at = ?2 WHERE id = ?1 AND status = 'failed'")
    .bind(payload.bill_run_id, now)
    .run();
}

/** Invoices made, customers done and errors, and totals per currency, read from what the run wrote. */
export async function billRunSummary(d1: D1Database, runId: string) {
  const [totals, errors, run, mail] = await Promise.all([
    d1
      .prepare(
        `SELECT currency, count(*) AS invoices, sum(subtotal_amount) AS subtotal, sum(tax_amount) AS tax, sum(total_amount) AS total
         FROM invoices WHERE bill_run_id = ?1 GROUP BY currency ORDER BY currency`,
      )
      .bind(runId)
      .all<{ currency: string; invoices: number; subtotal: number; tax: number; total: number }>(),
    d1.prepare("SELECT count(*) AS n FROM bill_run_errors WHERE bill_run_id = ?1").bind(runId).first<{ n: number }>(),
    d1.prepare("SELECT customers_total AS total, customers_done AS done FROM bill_runs WHERE id = ?1").bind(runId).first<{ total: number; done: number }>(),
    d1
      .prepare(
        "SELECT count(CASE email_status WHEN 'queued' THEN 1 END) AS emailed, count(CASE email_status WHEN 'no_recipient' THEN 1 END) AS none FROM invoices WHERE bill_run_id = ?1",
      )
      .bind(runId)
      .first<{ emailed: number; none: number }>(),
  ]);
  return {
    customers_total: run?.total ?? 0,
    customers_done: run?.done ?? 0,
    invoices: totals.results.reduce((n, t) => n + t.invoices, 0),
    errors: errors?.n ?? 0,
    emailed: mail?.emailed ?? 0,
    no_recipient: mail?.none ?? 0,
    totals: totals.results.map((t) => ({ currency: t.currency, invoices: t.invoices, subtotal_amount: t.subtotal, tax_amount: t.tax, total_amount: t.total })),
  };
}

export type BillRunView = Awaited<ReturnType<typeof getBillRun>>;

/** A bill run with its progress, totals and the customers it could not bill. */
export async function getBillRun(db: Db, id: string) {
  const d1 = db.$client;
  const run = await d1
    .prepare(
      `SELECT r.*, j.status AS job_status, j.attempts AS job_attempts, j.error AS job_error FROM bill_runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.id = ?1`,
    )
    .bind(id)
    .first<Record<string, unknown>>();
  if (!run) return null;
  const summary = await billRunSummary(d1, id);
  const errors = await d1
    .prepare(
      `SELECT e.customer_id, c.name AS customer_name, e.message, e.at FROM bill_run_errors e LEFT JOIN customers c ON c.id = e.customer_id
       WHERE e.bill_run_id = ?1 ORDER BY e.customer_id LIMIT 200`,
    )
    .bind(id)
    .all<{ customer_id: string; customer_name: string | null; message: string; at: string }>();
  return {
    id: String(run.id),
    period_start: String(run.period_start),
    period_end: String(run.period_end),
    trigger: run.trigger as "cron" | "manual",
    issue: Boolean(run.issue),
    send: Boolean(run.send),
    status: run.status as "queued" | "running" | "completed" | "failed",
    job_id: (run.job_id as string | null) ?? null,
    job_status: (run.job_status as string | null) ?? null,
    created_by: String(run.created_by),
    created_at: String(run.created_at),
    started_at: (run.started_at as string | null) ?? null,
    finished_at: (run.finished_at as string | null) ?? null,
    ...summary,
    error_list: errors.results,
  };
}

/** Bill runs, newest first. */
export async function listBillRuns(db: Db, limit: number, before?: string) {
  const { results } = await db.$client
    .prepare(
      `SELECT r.id, r.period_start, r.period_end, r.trigger, r.status, r.customers_total, r.customers_done, r.created_by, r.created_at, r.finished_at,
              (SELECT count(*) FROM invoices i WHERE i.bill_run_id = r.id) AS invoices,
              (SELECT count(*) FROM bill_run_errors e WHERE e.bill_run_id = r.id) AS errors
       FROM bill_runs r WHERE (?2 IS NULL OR r.id < ?2) ORDER BY r.id DESC LIMIT ?1`,
    )
    .bind(limit, before ?? null)
    .all<{
      id: string;
      period_start: string;
      period_end: string;
      trigger: string;
      status: string;
      customers_total: number;
      customers_done: number;
      created_by: string;
      created_at: string;
      finished_at: string | null;
      invoices: number;
      errors: number;
    }>();
  return results;
}
