import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { itemsOfService } from "../../db/queries/inventory";
import { childServices, getService, toJobSummary } from "../../db/queries/services";
import type { ProductView } from "../catalog/schemas";
import type { WriteContext } from "../context";
import { identifiersFrom, type ReservationRequest, withReservation } from "../inventory/allocation";
import type { ServiceDeps } from "./port";
import type { ServiceView } from "./schemas";
import { SERVICE_TRANSITIONS, type ServiceTransition } from "./state";
import { jobRow, loadService, op, unwrap } from "./support";

/**
 * What a failed service must reserve again before it is provisioned once more (its failure gave the
 * first items back): next available items of the product's required types, a phone number only if it
 * fits the product, as on the order. Nothing when the product needs no inventory or the service
 * still holds some.
 */
async function retryReservation(ctx: WriteContext, serviceId: string): Promise<ReservationRequest | null> {
  const service = await loadService(ctx, serviceId);
  const product = await getProduct(ctx.db, service.product_id);
  if (!product) return null;
  const components: ProductView[] = [];
  for (const id of product.type === "bundle" ? product.components : []) {
    const c = await getProduct(ctx.db, id);
    if (c) components.push(c);
  }
  const required = [...product.required_inventory, ...components.flatMap((c) => c.required_inventory)];
  if (required.length === 0) return null;
  if ((await itemsOfService(ctx.db, serviceId)).length > 0) return null;
  // The same rule as the order's: a next-available number must fit the product (pool, mobile or fixed).
  return { serviceId, customerId: service.customer_id, required, picks: {}, vars: product.provisioning_json_vars, serviceType: product.service_type };
}

/**
 * Suspends, resumes, terminates or retries a service; each of these is a provisioning job. `reason`
 * (why staff took the step) is kept in the activity entry of the transition.
 */
export async function changeServiceStatus(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  transition: Extract<ServiceTransition, "suspend" | "resume" | "terminate" | "retry">,
  key: string,
  reason: string | null = null,
) {
  const service = await loadService(ctx, id);
  const jobType = SERVICE_TRANSITIONS[transition].job;
  const product = await getProductAtVersion(ctx.db, service.product_version_id);
  const play = product?.provisioning_play ?? null;
  // The job names what it runs: the lifecycle playbook for a product that has a playbook (and so an
  // account in CGRateS), the product's own for a retry; nothing for a product without one.
  const playbook = jobType === "provision" ? play : play ? (jobType === "deprovision" ? "deprovision" : jobType) : null;
  // A retried bundle provisions its components again.
  const components = jobType === "provision" ? await childServices(ctx.db, id) : [];
  const job = jobRow(
    jobType,
    id,
    {
      service_id: id,
      customer_id: service.customer_id,
      product_id: service.product_id,
      identifiers: service.identifiers,
      playbook,
      ...(jobType === "provision" ? { components } : {}),
    },
    ctx.now,
  );
  const again = transition === "retry" && service.status === "failed" ? await retryReservation(ctx, id) : null;
  const none = { serviceId: id, customerId: service.customer_id, required: [], picks: {}, vars: {} };
  const outcome = await withReservation(ctx, again ?? none, (reserved) =>
    deps.state(id).transition(id, transition, {
      ...op(ctx),
      key: `${transition}:${key}`,
      effects: {
        jobs: [job],
        ...(again
          ? { serviceUpdate: { id, identifiers: { ...service.identifiers, ...identifiersFrom(reserved.items, reserved.ips) }, updatedAt: ctx.now } }
          : {}),
      },
      inventory: again ? reserved.items.map((i) => i.id) : undefined,
      reason,
    }),
  );
  const result = unwrap(outcome);
  return {
    service: (await getService(ctx.db, id)) as ServiceView,
    job: toJobSummary({ ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }),
    previous: result.previous,
  };
}
