import { and, asc, desc, eq, inArray, lt, ne, type SQL, sql } from "drizzle-orm";
import type { JobStatus, JobType } from "../../domain/jobs/contract";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { jobEvents, jobs, runnerHeartbeats } from "../schema";

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
