import type { Db } from "../../db/client";
import { getProductAtVersion } from "../../db/queries/catalog";
import { findCustomerRow } from "../../db/queries/customers";
import { getService } from "../../db/queries/services";
import type { WriteContext } from "../context";
import { changeServiceStatus } from "./change-status";
import type { ServiceDeps } from "./port";
import { unwrap } from "./support";

/** Whether running out suspends this service: a prepaid customer's, of a product that says so. */
export async function suspendsWhenExhausted(db: Db, service: { product_version_id: string; customer_id: string }): Promise<boolean> {
  const [product, customer] = await Promise.all([getProductAtVersion(db, service.product_version_id), findCustomerRow(db, service.customer_id)]);
  return Boolean(product?.suspend_when_exhausted) && customer?.paymentType === "prepaid";
}

/**
 * A prepaid service whose product says `suspend_when_exhausted` is suspended (through its suspend
 * job, like a staff suspension) once nothing is left: it has balances and none of the live ones
 * holds anything. `key` makes it happen once per cause (a debit, a usage sync). Returns whether it
 * suspended the service.
 */
export async function suspendIfExhausted(ctx: WriteContext, deps: ServiceDeps, serviceId: string, key: string): Promise<boolean> {
  const service = await getService(ctx.db, serviceId);
  if (service?.status !== "active" || !(await suspendsWhenExhausted(ctx.db, service))) return false;
  const snapshot = unwrap(await deps.state(serviceId).snapshot(serviceId));
  const live = snapshot.buckets.filter((b) => b.expires_at === null || b.expires_at > ctx.now);
  if (live.length === 0 || live.some((b) => b.amount + b.pending_amount > 0)) return false;
  await changeServiceStatus(ctx, deps, serviceId, "suspend", key);
  return true;
}
