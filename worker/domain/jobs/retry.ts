import { getJobWithEvents } from "../../db/queries/jobs";
import { getService } from "../../db/queries/services";
import { NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import { billRunRetried } from "../billing/bill-runs/run";
import type { WriteContext } from "../context";
import { changeServiceStatus } from "../services/change-status";
import type { ServiceDeps } from "../services/port";
import { WORKER_JOB_TYPES } from "./contract";
import { retryJob } from "./runner";

/**
 * Staff retry of a failed or dead job (audited). A failed provisioning is retried through its
 * service (inventory reserved again, a new job); any other job starts its attempts again.
 * Returns the id of the job that will run.
 */
export async function retryJobAsStaff(ctx: WriteContext, deps: ServiceDeps, id: string): Promise<string> {
  const found = await getJobWithEvents(ctx.db, id);
  if (!found) throw new NotFound("No job with this id.");
  const { job } = found;
  const service = job.serviceId ? await getService(ctx.db, job.serviceId) : null;
  if (service && service.status === "failed" && job.type === "provision") {
    const retried = await changeServiceStatus(ctx, deps, service.id, "retry", `job-retry:${job.id}`);
    return retried.job.id;
  }
  await retryJob(ctx.db, { actor: ctx.actor, requestId: ctx.requestId, now: ctx.now }, id);
  await ctx.db.batch([
    recordActivity(ctx, {
      entity: "job",
      entityId: id,
      customerId: service?.customer_id ?? null,
      action: "job.retry",
      changes: { status: { before: job.status, after: "ready" } },
    }),
  ]);
  if (job.type === "bill_run") await billRunRetried(ctx.db.$client, job.payload, ctx.now);
  // The worker carries its own jobs from the queue: it hears of this one now (else the sweep's minute).
  if ((WORKER_JOB_TYPES as readonly string[]).includes(job.type)) await deps.enqueue([id]);
  return id;
}
