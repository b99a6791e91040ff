import { and, eq, inArray, sql } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk";
import type { Db } from "../../db/client";
import { activityLog, jobs, products, services } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { activityRow } from "../activity/record";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "../services/port";
import { OPEN_JOB_STATUSES } from "./contract";

/** How often the minute cron refreshes a live service's usage from CGRateS. */
export const SYNC_EVERY_MS = 6 * 3600_000;

/** The UTC hour from which the nightly reconciliation reads every live service's account again. */
export const NIGHTLY_HOUR_UTC = 2;

/** A bundle has no CGRateS account of its own (its components each have one): it is never synced. */
const NOT_A_BUNDLE = sql`NOT EXISTS (SELECT 1 FROM products p WHERE p.id = s.product_id AND p.type = 'bundle')`;

function syncJob(serviceId: string, now: string, reason: "requested" | "periodic" | "nightly" = "requested") {
  return {
    id: `job_${ulid()}`,
    type: "sync_balance" as const,
    status: "pending" as const,
    serviceId,
    payload: { service_id: serviceId, reason },
    attempts: 0,
    maxAttempts: 3,
    createdAt: now,
    updatedAt: now,
  };
}

/** Staff (or the API) asks for a service's usage and balances to be read from CGRateS now. */
export async function queueBalanceSync(ctx: WriteContext, deps: ServiceDeps, serviceId: string) {
  // The service and its product's type in one read: a bundle is refused below.
  const service = await ctx.db
    .select({ status: services.status, customerId: services.customerId, productType: products.type })
    .from(services)
    .innerJoin(products, eq(products.id, services.productId))
    .where(eq(services.id, serviceId))
    .get();
  if (!service) throw new NotFound("No service with this id.");
  if (service.status !== "active" && service.status !== "suspended") {
    throw new Conflict(`Only an active or suspended service has usage to sync; this one is ${service.status}.`, { current_status: service.status });
  }
  if (service.productType === "bundle") {
    // The bundle playbook opens one CGRateS account per component, none for the bundle itself.
    throw new Conflict("A bundle has no charging account of its own: sync its component services instead.", { product_type: "bundle" });
  }
  const open = await ctx.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.serviceId, serviceId), eq(jobs.type, "sync_balance"), inArray(jobs.status, OPEN_JOB_STATUSES)))
    .get();
  if (open) throw new Conflict("A sync of this service is already queued.", { job_id: open.id });
  const job = syncJob(serviceId, ctx.now);
  await ctx.db.batch([
    ctx.db.insert(jobs).values(job),
    ctx.db.insert(activityLog).values(
      activityRow(ctx, {
        entity: "service",
        entityId: serviceId,
        customerId: service.customerId,
        action: "service.sync_requested",
        changes: { job: { before: null, after: job.id } },
      }),
    ),
  ]);
  await deps.enqueue([job.id]);
  return job;
}

/** The minute cron: live services not synced for SYNC_EVERY_MS get a sync job (a few per minute). */
export async function queueDueSyncs(db: Db, deps: ServiceDeps, now: string, limit = 20): Promise<number> {
  const since = new Date(Date.parse(now) - SYNC_EVERY_MS).toISOString();
  const due = await db.all<{ id: string }>(
    sql`SELECT s.id FROM services s WHERE s.status IN ('active', 'suspended') AND ${NOT_A_BUNDLE}
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.service_id = s.id AND j.type = 'sync_balance' AND j.created_at > ${since})
      ORDER BY s.id LIMIT ${limit}`,
  );
  if (due.length === 0) return 0;
  const rows = due.map((s) => syncJob(s.id, now, "periodic"));
  // One parameter whatever the number of rows: at 9 values a row, 12 rows were over D1's 100.
  await db.$client.batch(bulkInsert(db.$client, jobs, rows));
  await deps.enqueue(rows.map((r) => r.id));
  return rows.length;
}

/**
 * The nightly reconciliation (the minute cron, from NIGHTLY_HOUR_UTC): every live service whose
 * CGRateS account has not been read since then gets a sync job, `limit` a minute, so each night
 * every live service is compared with CGRateS (GET /reconciliation lists what differs).
 */
export async function queueNightlyReconciliation(db: Db, deps: ServiceDeps, now: string, limit = 50): Promise<number> {
  const at = new Date(now);
  const night = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), NIGHTLY_HOUR_UTC));
  if (at < night) return 0;
  const since = night.toISOString();
  const due = await db.all<{ id: string }>(
    sql`SELECT s.id FROM services s WHERE s.status IN ('active', 'suspended') AND ${NOT_A_BUNDLE} AND (s.charging_synced_at IS NULL OR s.charging_synced_at < ${since})
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.service_id = s.id AND j.type = 'sync_balance' AND j.created_at >= ${since})
      ORDER BY s.id LIMIT ${limit}`,
  );
  if (due.length === 0) return 0;
  const rows = due.map((s) => syncJob(s.id, now, "nightly"));
  // One parameter whatever the number of rows: at 9 values a row, 12 rows were over D1's 100.
  await db.$client.batch(bulkInsert(db.$client, jobs, rows));
  await deps.enqueue(rows.map((r) => r.id));
  return rows.length;
}
