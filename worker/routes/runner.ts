import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { actorOf } from "../domain/auth/principal";
import { JobEvent, JobResult } from "../domain/jobs/contract";
import { ackJobs, MAX_VISIBILITY_MS, pullJobs, recordEvents, reportResult } from "../domain/jobs/runner";
import type { OpContext } from "../domain/services/state";
import { serviceDeps } from "../durable/service-client";
import type { AppEnv } from "../env";
import { authenticateBearer } from "../middleware/authenticate";
import { validationFailed } from "../middleware/errors";
import { apiRoute, IdParam, jsonBody, jsonResponse, problems } from "./api/helpers";
import { kickOutbox } from "./support";

function opOf(c: Context<AppEnv>): OpContext {
  const principal = c.get("principal");
  return {
    actor: principal ? actorOf(principal) : { type: "system", id: null, label: "runner" },
    requestId: c.get("requestId"),
    now: new Date().toISOString(),
  };
}

const leaseId = z.string().min(1).max(100);
const Event = JobEvent;

const JobOut = z.object({ id: z.string(), type: z.string(), status: z.string(), attempts: z.number(), service_id: z.string().nullable() });

/**
 * The runner API (Cloudflare Queues pull semantics): lease jobs, stream their events, report their
 * result, retry or acknowledge. Runner keys (`runner:access`) only.
 */
export const runner = new OpenAPIHono<AppEnv>({
  defaultHook: (result) => {
    if (!result.success) validationFailed(result.target, result.error);
  },
});
runner.use(authenticateBearer());

runner
  .openapi(
    apiRoute("runner:access", {
      method: "post",
      path: "/jobs/pull",
      tags: ["Runner"],
      summary: "Lease jobs",
      description: "Leases up to `batch_size` ready jobs for `visibility_timeout_ms`; a job not reported before its lease runs out is leased again.",
      request: {
        body: jsonBody(
          z.strictObject({
            batch_size: z.number().int().min(1).max(10).default(1),
            visibility_timeout_ms: z.number().int().min(1000).max(MAX_VISIBILITY_MS).default(120_000),
          }),
        ),
      },
      responses: { 200: jsonResponse(z.object({ messages: z.array(z.record(z.string(), z.unknown())) }), "Leased jobs"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const messages = await pullJobs(c.get("db"), serviceDeps(c.env, new URL(c.req.url).origin), opOf(c), body.batch_size, body.visibility_timeout_ms);
      return c.json({ messages }, 200);
    },
  )
  .openapi(
    apiRoute("runner:access", {
      method: "post",
      path: "/jobs/ack",
      tags: ["Runner"],
      summary: "Acknowledge or retry leased jobs",
      request: {
        body: jsonBody(
          z.strictObject({
            acks: z
              .array(z.strictObject({ lease_id: leaseId }))
              .max(100)
              .default([]),
            retries: z
              .array(z.strictObject({ lease_id: leaseId, delay_seconds: z.number().int().min(0).max(43_200).optional() }))
              .max(100)
              .default([]),
          }),
        ),
      },
      responses: { 200: jsonResponse(z.object({ acked: z.number(), retried: z.number() }), "Counts"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const result = await ackJobs(
        c.get("db"),
        serviceDeps(c.env, new URL(c.req.url).origin),
        opOf(c),
        body.acks.map((a) => a.lease_id),
        body.retries,
      );
      return c.json(result, 200);
    },
  )
  .openapi(
    apiRoute("runner:access", {
      method: "post",
      path: "/jobs/{id}/events",
      tags: ["Runner"],
      summary: "Stream task events of a leased job (and extend its lease)",
      request: {
        params: IdParam,
        body: jsonBody(
          z.strictObject({
            lease_id: leaseId,
            events: z.array(Event).max(500).default([]),
            extend_ms: z.number().int().min(1000).max(MAX_VISIBILITY_MS).nullable().optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse(z.object({ lease_expires_at: z.string().nullable(), recorded: z.number() }), "Recorded"),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await recordEvents(c.get("db"), opOf(c), c.req.valid("param").id, body.lease_id, body.events, body.extend_ms ?? null), 200);
    },
  )
  .openapi(
    apiRoute("runner:access", {
      method: "post",
      path: "/jobs/{id}/result",
      tags: ["Runner"],
      summary: "Report a job's outcome",
      description: "A result for a job already finished is answered with `duplicate: true` and changes nothing.",
      request: {
        params: IdParam,
        body: jsonBody(
          JobResult.extend({
            lease_id: leaseId,
            outputs: JobResult.shape.outputs.refine((o) => JSON.stringify(o).length <= 500_000, { message: "At most 500 kB of outputs" }),
          }),
        ),
      },
      responses: { 200: jsonResponse(z.object({ job: JobOut, duplicate: z.boolean() }), "Recorded"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { job, duplicate } = await reportResult(
        c.get("db"),
        serviceDeps(c.env, new URL(c.req.url).origin),
        opOf(c),
        c.req.valid("param").id,
        body.lease_id,
        { status: body.status, outputs: body.outputs, error: body.error },
        c.env.ENCRYPTION_KEY,
      );
      // Welcome and failure notices go out now; the minute cron retries what fails.
      if (!duplicate) kickOutbox(c);
      return c.json({ job: { id: job.id, type: job.type, status: job.status, attempts: job.attempts, service_id: job.serviceId }, duplicate }, 200);
    },
  );
