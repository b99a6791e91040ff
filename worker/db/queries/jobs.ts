import { and, asc, desc, eq, inArray, lt, ne, type SQL, sql } from "drizzle-orm";
import type { JobStatus, JobType } from "../../domain/jobs/contract";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { broadcasts, customers, jobEvents, jobs, products, runnerHeartbeats, services as servicesTable } from "../schema";

export type JobRecord = typeof jobs.$inferSelect;
export type JobEventRecord = typeof jobEvents.$inferSelect;

export type JobFilters = { status?: JobStatus; notStatus?: JobStatus; type?: JobType; serviceId?: string; limit: number; cursor?: string };

/** Jobs, newest first (`status: "dead"` is the dead letter). */
export async function listJobs(db: Db, f: JobFilters): Promise<Page<JobRecord>> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(jobs.status, f.status));
  if (f.notStatus) where.push(ne(jobs.status, f.notStatus));
  if (f.type) where.push(eq(jobs.type, f.type));
  if (f.serviceId) where.push(eq(jobs.serviceId, f.serviceId));
  if (f.cursor) where.push(lt(jobs.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(jobs)
    .where(and(...where))
    .orderBy(desc(jobs.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return { data: page, next_cursor: rows.length > f.limit ? encodeCursor([page.at(-1)?.id ?? ""]) : null };
}

/** A job and its task events in order; null when there is no such job. */
export async function getJobWithEvents(db: Db, id: string): Promise<{ job: JobRecord; events: JobEventRecord[] } | null> {
  const job = await db.select().from(jobs).where(eq(jobs.id, id)).get();
  if (!job) return null;
  const events = await db.select().from(jobEvents).where(eq(jobEvents.jobId, id)).orderBy(asc(jobEvents.seq));
  return { job, events };
}

/** The runners' health: each runner's last pull, and the jobs in flight, waiting and stranded. */
export async function runnerHealth(db: Db, now: string) {
  const stale = new Date(Date.parse(now) - 60_000).toISOString();
  const [runners, counts] = await Promise.all([
    db.select().from(runnerHeartbeats).orderBy(desc(runnerHeartbeats.lastPullAt)).limit(10),
    db
      .select({
        leased: sql<number>`coalesce(sum(${jobs.status} = 'leased'), 0)`,
        ready: sql<number>`coalesce(sum(${jobs.status} = 'ready'), 0)`,
        stale: sql<number>`coalesce(sum(${jobs.status} = 'pending' AND ${jobs.updatedAt} < ${stale}), 0)`,
        dead: sql<number>`coalesce(sum(${jobs.status} = 'dead'), 0)`,
      })
      .from(jobs)
      .where(inArray(jobs.status, ["pending", "ready", "leased", "dead"]))
      .get(),
  ]);
  return { runners, inFlight: counts?.leased ?? 0, ready: counts?.ready ?? 0, stalePending: counts?.stale ?? 0, dead: counts?.dead ?? 0 };
}

export async function getJob(db: Db, id: string): Promise<JobRecord | undefined> {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

/** One playbook task of an attempt: its start and result events merged. */
export type TaskRow = {
  attempt: number;
  /** Position in its attempt, from 1 (the row's anchor is `task-<attempt>-<n>`). */
  n: number;
  task: string;
  /** The result's status; `running` while only the start is known, `no result` when the attempt ended without one. */
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  message: string | null;
};

/**
 * The job's events as one row per task occurrence: the runner reports a task's start and its result as
 * two events, matched here per attempt and task name in sequence order. A result without a start (a
 * second host, an `info` line) is a row of its own. A start left without a result is `running` in the
 * attempt still in progress (`runningAttempt`), else `no result`.
 */
export function taskRows(events: readonly JobEventRecord[], runningAttempt: number | null): TaskRow[] {
  const rows: TaskRow[] = [];
  const open = new Map<string, TaskRow>();
  const counts = new Map<number, number>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const key = `${e.attempt}\u0000${e.task}`;
    const started = open.get(key);
    if (started && e.status !== "info") open.delete(key);
    if (started && e.status === "started") started.status = "no result";
    if (started && e.status !== "started" && e.status !== "info") {
      started.status = e.status;
      started.endedAt = e.at;
      started.durationMs = e.durationMs ?? Math.max(0, Date.parse(e.at) - Date.parse(started.startedAt));
      started.message = e.message;
      continue;
    }
    const n = (counts.get(e.attempt) ?? 0) + 1;
    counts.set(e.attempt, n);
    const begins = e.status === "started";
    const row: TaskRow = {
      attempt: e.attempt,
      n,
      task: e.task,
      status: begins ? "running" : e.status,
      startedAt: begins || e.durationMs === null ? e.at : new Date(Date.parse(e.at) - e.durationMs).toISOString(),
      endedAt: begins ? null : e.at,
      durationMs: begins ? null : e.durationMs,
      message: e.message,
    };
    rows.push(row);
    if (begins) open.set(key, row);
  }
  for (const row of open.values()) if (row.attempt !== runningAttempt) row.status = "no result";
  return rows;
}

/** What a job is about, by name: its service (product, main identifier, customer) or its alert. */
export type JobSubject = { href: string; label: string; detail: string | null };

/** Names for a page of jobs (one query per kind), keyed by job id. */
export async function jobSubjects(db: Db, page: readonly JobRecord[]): Promise<Map<string, JobSubject>> {
  const serviceIds = [...new Set(page.flatMap((j) => (j.serviceId ? [j.serviceId] : [])))];
  const alertIds = [...new Set(page.flatMap((j) => (j.type === "broadcast" && typeof j.payload.broadcast_id === "string" ? [j.payload.broadcast_id] : [])))];
  const services = serviceIds.length
    ? await db
        .select({ id: servicesTable.id, product: products.name, identifiers: servicesTable.identifiers, customer: customers.name, customerId: customers.id })
        .from(servicesTable)
        .innerJoin(products, eq(products.id, servicesTable.productId))
        .innerJoin(customers, eq(customers.id, servicesTable.customerId))
        .where(inArray(servicesTable.id, serviceIds))
    : [];
  const alerts = alertIds.length
    ? await db.select({ id: broadcasts.id, event: broadcasts.event, capStatus: broadcasts.capStatus }).from(broadcasts).where(inArray(broadcasts.id, alertIds))
    : [];
  const byService = new Map(services.map((s) => [s.id, s]));
  const byAlert = new Map(alerts.map((a) => [a.id, a]));
  const out = new Map<string, JobSubject>();
  for (const j of page) {
    const s = j.serviceId ? byService.get(j.serviceId) : undefined;
    if (s) {
      const main = s.identifiers.msisdn ?? s.identifiers.username ?? s.identifiers.circuit_id ?? Object.values(s.identifiers)[0] ?? null;
      out.set(j.id, { href: `/admin/services/${s.id}`, label: main ? `${s.product} · ${main}` : s.product, detail: s.customer });
      continue;
    }
    const a = j.type === "broadcast" ? byAlert.get(String(j.payload.broadcast_id)) : undefined;
    if (a)
      out.set(j.id, {
        href: `/admin/broadcasts/${a.id}`,
        label: a.event,
        detail: a.capStatus === "Actual" ? "cell broadcast" : `cell broadcast (${a.capStatus.toLowerCase()})`,
      });
  }
  return out;
}
