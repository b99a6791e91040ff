import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getJobWithEvents, type JobEventRecord, type JobRecord, listJobs } from "../../db/queries/jobs";
import { JOB_EVENT_STATUSES, JOB_STATUSES, JOB_TYPES } from "../../domain/jobs/contract";
import { retryJobAsStaff } from "../../domain/jobs/retry";
import { cursorParam, pageLimit } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonResponse, pageOf, problems } from "./helpers";

const JobEventView = z
  .object({
    seq: z.number().int(),
    attempt: z.number().int(),
    at: z.string(),
    task: z.string(),
    status: z.enum(JOB_EVENT_STATUSES).or(z.string()),
    message: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
  })
  .meta({ id: "JobEvent" });

export const JobView = z
  .object({
    id: z.string(),
    type: z.enum(JOB_TYPES),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    service_id: z.string().nullable(),
    playbook: z.string().nullable().meta({ description: "What the job runs (null: the runner's own CGRateS calls, or nothing)" }),
    error: z.string().nullable(),
    not_before: z.string().nullable(),
    lease_expires_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: "Job" });

const JobDetail = JobView.extend({
  events: z.array(JobEventView),
  result: z.record(z.string(), z.unknown()).nullable().meta({ description: "The runner's outputs (generated credentials are kept sealed and left out)" }),
}).meta({ id: "JobDetail" });

function toJobView(j: JobRecord): z.infer<typeof JobView> {
  return {
    id: j.id,
    type: j.type,
    status: j.status,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    service_id: j.serviceId,
    playbook: typeof j.payload.playbook === "string" ? j.payload.playbook : null,
    error: j.error,
    not_before: j.notBefore,
    lease_expires_at: j.leaseExpiresAt,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
    finished_at: j.finishedAt,
  };
}

const toEvent = (e: JobEventRecord) => ({
  seq: e.seq,
  attempt: e.attempt,
  at: e.at,
  task: e.task,
  status: e.status,
  message: e.message,
  duration_ms: e.durationMs,
});

const ListQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  type: z.enum(JOB_TYPES).optional(),
  service_id: z.string().max(64).optional(),
  dead: z.enum(["true", "false"]).optional().meta({ description: "true: the dead letter (jobs that ran out of attempts); same as status=dead" }),
  limit: pageLimit,
  cursor: cursorParam,
});

export const jobsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("jobs:read", {
      method: "get",
      path: "/jobs",
      tags: ["Jobs"],
      summary: "List provisioning jobs",
      description: "Newest first. `dead=true` lists the dead letter.",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(JobView), "A page of jobs"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const status = q.dead === "true" ? "dead" : q.status;
      const page = await listJobs(c.get("db"), {
        status,
        // dead=false: everything that is not in the dead letter.
        notStatus: q.dead === "false" ? "dead" : undefined,
        type: q.type,
        serviceId: q.service_id,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json({ data: page.data.map(toJobView), next_cursor: page.next_cursor }, 200);
    },
  )
  .openapi(
    apiRoute("jobs:read", {
      method: "get",
      path: "/jobs/{id}",
      tags: ["Jobs"],
      summary: "A job with its task events and result",
      request: { params: IdParam },
      responses: { 200: jsonResponse(JobDetail, "The job"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const found = await getJobWithEvents(c.get("db"), c.req.valid("param").id);
      if (!found) throw new NotFound("No job with this id.");
      const { credentials_sealed: _sealed, ...result } = found.job.result ?? {};
      return c.json({ ...toJobView(found.job), events: found.events.map(toEvent), result: found.job.result ? result : null }, 200);
    },
  )
  .openapi(
    apiRoute("jobs:retry", {
      method: "post",
      path: "/jobs/{id}/retry",
      tags: ["Jobs"],
      summary: "Retry a failed or dead job",
      description:
        "A failed provisioning is retried through its service (inventory reserved again, a new job: its id is answered); any other job starts its attempts again. Only failed or dead jobs: 409 otherwise.",
      request: { params: IdParam },
      responses: { 202: jsonResponse(JobView, "The job that will run"), ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const id = await retryJobAsStaff(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id);
      const found = await getJobWithEvents(c.get("db"), id);
      if (!found) throw new NotFound("No job with this id.");
      return c.json(toJobView(found.job), 202);
    },
  );
