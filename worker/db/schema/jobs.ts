/** Provisioning jobs, their events and the runners' heartbeats. */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { JOB_STATUSES, JOB_TYPES } from "../../domain/jobs/contract";
import { timestamps } from "./columns";
import { services } from "./services";

/** Provisioning jobs (outbox): written in the same batch as the state change, then queued. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: JOB_TYPES }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    serviceId: text("service_id").references(() => services.id),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    leaseId: text("lease_id"),
    leaseExpiresAt: text("lease_expires_at"),
    result: text("result", { mode: "json" }).$type<Record<string, unknown> | null>(),
    error: text("error"),
    ...timestamps,
    finishedAt: text("finished_at"),
    /** A job retried with a delay is not leased before this instant. */
    notBefore: text("not_before"),
  },
  (t) => [index("jobs_status_idx").on(t.status, t.id), index("jobs_service_idx").on(t.serviceId, t.id)],
);

/** The last pull of each runner (by its API key), for the runner's health on the dashboard. */
export const runnerHeartbeats = sqliteTable("runner_heartbeats", {
  keyId: text("key_id").primaryKey(),
  label: text("label").notNull(),
  lastPullAt: text("last_pull_at").notNull(),
  /** How many jobs that pull leased. */
  lastLeased: integer("last_leased").notNull(),
});

/** What the runner reported while running a job: one row per task event, in order. */
export const jobEvents = sqliteTable(
  "job_events",
  {
    jobId: text("job_id").notNull(),
    seq: integer("seq").notNull(),
    attempt: integer("attempt").notNull(),
    at: text("at").notNull(),
    task: text("task").notNull(),
    status: text("status").notNull(),
    message: text("message"),
    durationMs: integer("duration_ms"),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);
