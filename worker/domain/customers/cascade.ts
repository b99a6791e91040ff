/**
 * Suspending a customer suspends each of their live services, and resuming the customer resumes the
 * services that suspension took down — each through its own provisioning job, like a service-level
 * suspend. The customer's status changes first and its activity entry names the services it takes
 * with it (`changes.services.after`): that entry is how a resume knows which services to bring back,
 * so a service suspended on its own (fraud, a customer's request) stays suspended when the customer
 * resumes. A service that cannot follow (it changed state meanwhile) is reported, not fatal: the
 * customer's change has landed and staff can act on the one service.
 */
import { and, desc, eq } from "drizzle-orm";
import { inList } from "../../db/bulk";
import type { Db } from "../../db/client";
import { activityLog, products, services } from "../../db/schema";
import { AppError, Forbidden } from "../../lib/errors";
import type { WriteContext } from "../context";
import { changeServiceStatus } from "../services/change-status";
import type { ServiceDeps } from "../services/port";
import type { CustomerTransition, CustomerView } from "./schemas";
import { transitionCustomer } from "./transition-customer";

/** The customer transitions that carry their services along (each service makes the same move), and the status those services are in. */
export const CASCADING = { suspend: "active", resume: "suspended" } as const;

export type AffectedService = { id: string; name: string; status: string; identifiers: Record<string, string> };
export type CascadeResult = { id: string; status: string; job_id: string | null; error?: string };

/** Most services a customer change carries; a customer past it is handled service by service. */
const MAX_CASCADE = 200;

/** The services a customer transition would carry along (none for close, archive…). */
export async function servicesFollowing(db: Db, customerId: string, transition: CustomerTransition): Promise<AffectedService[]> {
  if (transition !== "suspend" && transition !== "resume") return [];
  let ids: string[] | null = null;
  if (transition === "resume") {
    const [last] = await db
      .select({ changes: activityLog.changes })
      .from(activityLog)
      .where(and(eq(activityLog.entity, "customer"), eq(activityLog.entityId, customerId), eq(activityLog.action, "customer.suspend")))
      .orderBy(desc(activityLog.id))
      .limit(1);
    ids = suspendedWith(last?.changes);
    if (ids.length === 0) return [];
  }
  const rows = await db
    .select({ id: services.id, name: products.name, status: services.status, identifiers: services.identifiers })
    .from(services)
    .innerJoin(products, eq(products.id, services.productId))
    .where(and(eq(services.customerId, customerId), eq(services.status, CASCADING[transition]), ids ? inList(services.id, ids) : undefined))
    .orderBy(services.id)
    .limit(MAX_CASCADE);
  return rows.map((r) => ({ ...r, identifiers: (r.identifiers ?? {}) as Record<string, string> }));
}

/** The services a `customer.suspend` entry says it took down (`changes.services.after`). */
function suspendedWith(changes: Record<string, { before: unknown; after: unknown }> | undefined): string[] {
  const after = changes?.services?.after;
  return Array.isArray(after) ? after.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Changes the customer's status and, for suspend and resume, each affected service's. `mayChangeServices`
 * says whether the caller holds services:write: carrying live services along needs it.
 */
export async function transitionCustomerWithServices(
  ctx: WriteContext,
  deps: ServiceDeps,
  input: { id: string; transition: CustomerTransition; reason?: string | null; key: string; mayChangeServices: boolean },
): Promise<{ customer: CustomerView; services: CascadeResult[] }> {
  const affected = await servicesFollowing(ctx.db, input.id, input.transition);
  if (affected.length > 0 && !input.mayChangeServices) {
    throw new Forbidden(`This customer has ${affected.length} service(s) that would ${input.transition} too: that needs the services:write permission.`);
  }
  const customer = await transitionCustomer(
    ctx,
    input.id,
    input.transition,
    input.reason,
    input.transition === "suspend" ? { services: affected.map((s) => s.id) } : undefined,
  );
  const results: CascadeResult[] = [];
  // Only suspend and resume carry services (servicesFollowing is empty for the others).
  const does = input.transition === "suspend" ? "suspend" : "resume";
  for (const s of affected) {
    try {
      const { service, job } = await changeServiceStatus(ctx, deps, s.id, does, `customer:${input.key}:${s.id}`, input.reason ?? null);
      results.push({ id: s.id, status: service.status, job_id: job.id });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      results.push({ id: s.id, status: s.status, job_id: null, error: e.message });
    }
  }
  return { customer, services: results };
}
