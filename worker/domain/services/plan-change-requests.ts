/**
 * Plan change requests from customers (portal). A request to a plan whose product says
 * `plan_change_approval` waits for a staff member; any other is approved at once. Approving runs the
 * same change-plan use case as staff (a job, with proration), keyed by the request so a repeated or
 * concurrent approval changes the plan once. At most one request per service is pending.
 */
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runBatch } from "../../db/client";
import { getProduct } from "../../db/queries/catalog";
import { planChangeRequests, products } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { changePlan, planChangeTerms } from "./change-plan";
import type { ServiceDeps } from "./port";
import { loadService } from "./support";

export type PlanChangeRequestView = {
  id: string;
  service_id: string;
  customer_id: string;
  from_product_id: string;
  to_product_id: string;
  to_product_name: string;
  status: "pending" | "approved" | "rejected" | "cancelled";
  requested_by: string;
  decided_by: string | null;
  reason: string | null;
  job_id: string | null;
  created_at: string;
  decided_at: string | null;
};

const columns = {
  r: planChangeRequests,
  toName: products.name,
};
function toView(row: { r: typeof planChangeRequests.$inferSelect; toName: string }): PlanChangeRequestView {
  const r = row.r;
  return {
    id: r.id,
    service_id: r.serviceId,
    customer_id: r.customerId,
    from_product_id: r.fromProductId,
    to_product_id: r.toProductId,
    to_product_name: row.toName,
    status: r.status,
    requested_by: r.requestedBy,
    decided_by: r.decidedBy,
    reason: r.reason,
    job_id: r.jobId,
    created_at: r.createdAt,
    decided_at: r.decidedAt,
  };
}

export async function getPlanChangeRequest(db: Db, id: string): Promise<PlanChangeRequestView | null> {
  const row = await db
    .select(columns)
    .from(planChangeRequests)
    .innerJoin(products, eq(products.id, planChangeRequests.toProductId))
    .where(eq(planChangeRequests.id, id))
    .get();
  return row ? toView(row) : null;
}

export async function listPlanChangeRequests(
  db: Db,
  f: { status?: string; serviceId?: string; customerId?: string; limit: number; cursor?: string },
): Promise<{ data: PlanChangeRequestView[]; next_cursor: string | null }> {
  const where: (SQL | undefined)[] = [];
  if (f.status) where.push(eq(planChangeRequests.status, f.status as PlanChangeRequestView["status"]));
  if (f.serviceId) where.push(eq(planChangeRequests.serviceId, f.serviceId));
  if (f.customerId) where.push(eq(planChangeRequests.customerId, f.customerId));
  if (f.cursor) where.push(lt(planChangeRequests.id, f.cursor));
  const rows = await db
    .select(columns)
    .from(planChangeRequests)
    .innerJoin(products, eq(products.id, planChangeRequests.toProductId))
    .where(and(...where))
    .orderBy(desc(planChangeRequests.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit).map(toView);
  return { data: page, next_cursor: rows.length > f.limit ? (page.at(-1)?.id ?? null) : null };
}

/**
 * A customer asks to move their service to another plan. The plan is checked as a staff change would
 * be (same service type, active, same currency); a second pending request for the service is a 409.
 */
export async function requestPlanChange(ctx: WriteContext, deps: ServiceDeps, serviceId: string, productId: string, scope: string) {
  const service = await loadService(ctx, serviceId);
  if (service.customer_id !== scope) throw new NotFound("No service with this id.");
  if (service.status !== "active") throw new Conflict(`Only an active service can change plan (this one is ${service.status}).`);
  await planChangeTerms(ctx.db, service, productId, ctx.now);
  const target = await getProduct(ctx.db, productId);
  const id = `pcr_${ulid()}`;
  const inserted = await ctx.db
    .insert(planChangeRequests)
    .values({
      id,
      serviceId,
      customerId: service.customer_id,
      fromProductId: service.product_id,
      toProductId: productId,
      status: "pending",
      requestedBy: ctx.actor.label,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflictDoNothing()
    .returning({ id: planChangeRequests.id });
  if (inserted.length === 0) throw new Conflict("A plan change for this service is already waiting for approval.");
  await runBatch(ctx.db, [
    recordActivity(ctx, {
      entity: "service",
      entityId: serviceId,
      customerId: service.customer_id,
      action: "service.plan_change_requested",
      after: { request_id: id, to_product_id: productId, needs_approval: Boolean(target?.plan_change_approval) },
    }),
  ]);
  if (target?.plan_change_approval) return (await getPlanChangeRequest(ctx.db, id)) as PlanChangeRequestView;
  return decidePlanChange(ctx, deps, id, { approve: true, reason: "Applied at once: the plan needs no approval." });
}

/**
 * Approves (a change-plan job) or rejects a pending request, with the decider and reason in the
 * activity log. The plan is changed before the request is marked, keyed by the request, so a retry
 * after a failure or a concurrent approval changes the plan once.
 */
export async function decidePlanChange(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  decision: { approve: boolean; reason?: string | null },
): Promise<PlanChangeRequestView> {
  const request = await getPlanChangeRequest(ctx.db, id);
  if (!request) throw new NotFound("No plan change request with this id.");
  if (request.status !== "pending") throw new Conflict(`This request is already ${request.status}.`, { current_status: request.status });
  let jobId: string | null = null;
  if (decision.approve) {
    const changed = await changePlan(ctx, deps, request.service_id, request.to_product_id, `plan-change-request:${id}`);
    jobId = changed.job.id;
  }
  const status = decision.approve ? "approved" : "rejected";
  const updated = await ctx.db
    .update(planChangeRequests)
    .set({ status, decidedBy: ctx.actor.label, reason: decision.reason ?? null, jobId, decidedAt: ctx.now, updatedAt: ctx.now })
    .where(and(eq(planChangeRequests.id, id), eq(planChangeRequests.status, "pending")))
    .returning({ id: planChangeRequests.id });
  if (updated.length === 0) {
    const now = await getPlanChangeRequest(ctx.db, id);
    // A concurrent approval got there first: the plan was changed once, under the same key.
    if (decision.approve && now?.status === "approved") return now;
    throw new Conflict(`This request is already ${now?.status ?? "gone"}.`, { current_status: now?.status });
  }
  await runBatch(ctx.db, [
    recordActivity(ctx, {
      entity: "service",
      entityId: request.service_id,
      customerId: request.customer_id,
      action: decision.approve ? "service.plan_change_approved" : "service.plan_change_rejected",
      after: { request_id: id, to_product_id: request.to_product_id, reason: decision.reason ?? null, job_id: jobId },
    }),
  ]);
  return (await getPlanChangeRequest(ctx.db, id)) as PlanChangeRequestView;
}
