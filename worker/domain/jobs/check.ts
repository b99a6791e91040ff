import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getProduct } from "../../db/queries/catalog";
import { inventoryItems, jobs } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import { productCharging } from "../charging/definition";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "../services/port";

/**
 * "Test this playbook": a job that runs the product's playbook with `ansible-playbook --check`
 * (nothing changed anywhere) on sample variables: a made-up service and customer, and one in-stock
 * item of each inventory type the product requires (looked at, not reserved).
 */
export async function queuePlaybookCheck(ctx: WriteContext, deps: ServiceDeps, productId: string) {
  const product = await getProduct(ctx.db, productId);
  if (!product) throw new NotFound("No product with this id.");
  if (!product.provisioning_play) throw new Conflict("This product has no playbook to test.");
  const job = {
    id: `job_${ulid()}`,
    type: "provision" as const,
    status: "pending" as const,
    serviceId: null,
    payload: { check: true, product_id: product.id, provisioning_play: product.provisioning_play },
    attempts: 0,
    maxAttempts: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  await ctx.db.batch([
    ctx.db.insert(jobs).values(job),
    recordActivity(ctx, {
      entity: "product",
      entityId: product.id,
      customerId: null,
      action: "product.playbook_check",
      changes: { job: { before: null, after: job.id } },
    }),
  ]);
  await deps.enqueue([job.id]);
  return job;
}

/** The sample variables of a check job (the same shape a real provisioning job gets). */
export async function checkVars(db: Db, job: { id: string; attempts: number; payload: Record<string, unknown> }) {
  const product = await getProduct(db, String(job.payload.product_id ?? ""));
  if (!product) return null;
  const samples = [];
  for (const type of product.required_inventory) {
    if (type === "ip_block") continue;
    const item = await db
      .select({ id: inventoryItems.id, type: inventoryItems.type, fields: inventoryItems.fields })
      .from(inventoryItems)
      .where(and(eq(inventoryItems.type, type), eq(inventoryItems.status, "in_stock"), sql`${inventoryItems.serviceId} IS NULL`))
      .orderBy(asc(inventoryItems.id))
      .limit(1)
      .get();
    if (item) samples.push(item);
  }
  const serviceId = `svc_check_${job.id.slice(4)}`;
  return {
    playbook: product.provisioning_play,
    extra_vars: {
      job: { id: job.id, type: "provision", attempt: job.attempts, check: true },
      service: { id: serviceId, customer_id: "cus_check", product_id: product.id, status: "pending", identifiers: {}, vars: {} },
      customer: { id: "cus_check", name: "Playbook check", type: "individual" },
      site: null,
      contact: null,
      product: {
        id: product.id,
        slug: product.slug,
        name: product.name,
        service_type: product.service_type,
        provisioning_json_vars: product.provisioning_json_vars,
        cgrates: product.cgrates,
        included_balances: product.included_balances,
      },
      inventory: samples,
      ip_allocations: product.required_inventory.includes("ip_block") ? [{ id: "ipa_check", block_id: "inv_check", cidr: "192.0.2.10/32" }] : [],
      components: [],
      // What a real job of this product would do in CGRateS (the check run only reads it).
      charging: { account: serviceId, currency: product.currency, report: [], product: productCharging(product), components: [] },
    },
  };
}
