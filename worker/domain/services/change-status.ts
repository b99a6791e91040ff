import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { itemsOfService } from "../../db/queries/inventory";
import { childServices, getService, toJobSummary } from "../../db/queries/services";
import type { ProductView } from "../catalog/schemas";
import type { WriteContext } from "../context";
import { identifiersFrom, releaseItems, reserveForOrder } from "../inventory/allocation";
import type { ServiceDeps } from "./port";
import type { ServiceView } from "./schemas";
import { SERVICE_TRANSITIONS, type ServiceTransition } from "./state";
import { jobRow, loadService, op, unwrap } from "./support";

/**
 * Reserves a failed service's inventory again before it is provisioned once more (its failure gave
 * the first items back): next available items of the product's required types, identifiers updated.
 */
export async function reserveAgain(ctx: WriteContext, serviceId: string): Promise<{ inventory: string[]; identifiers: Record<string, string> } | null> {
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
  const held = await itemsOfService(ctx.db, serviceId);
  if (held.length > 0) return null;
  const vars = product.provisioning_json_vars;
  const reserved = await reserveForOrder(ctx, {
    serviceId,
    customerId: service.customer_id,
    required,
    picks: {},
    ipPrefixLength: typeof vars.ip_prefix_length === "number" ? vars.ip_prefix_length : null,
    ipFamily: vars.ip_family === 6 ? 6 : 4,
    numberPool: typeof vars.number_pool === "string" ? vars.number_pool : null,
  });
  return { inventory: reserved.items.map((i) => i.id), identifiers: identifiersFrom(reserved.items, reserved.ips) };
}

/** Suspends, resumes, terminates or retries a service; each of these is a provisioning job. */
export async function changeServiceStatus(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  transition: Extract<ServiceTransition, "suspend" | "resume" | "terminate" | "retry">,
  key: string,
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
  const again = transition === "retry" && service.status === "failed" ? await reserveAgain(ctx, id) : null;
  const outcome = await deps.state(id).transition(id, transition, {
    ...op(ctx),
    key: `${transition}:${key}`,
    effects: {
      jobs: [job],
      ...(again ? { serviceUpdate: { id, identifiers: { ...service.identifiers, ...again.identifiers }, updatedAt: ctx.now } } : {}),
    },
    inventory: again?.inventory,
  });
  if (!outcome.ok && again) await releaseItems(ctx, id);
  const result = unwrap(outcome);
  return {
    service: (await getService(ctx.db, id)) as ServiceView,
    job: toJobSummary({ ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }),
    previous: result.previous,
  };
}
