import { eq } from "drizzle-orm";
import { runBatch, type Statement } from "../../db/client";
import { getProduct, getProductsByIds } from "../../db/queries/catalog";
import { getSettings } from "../../db/queries/settings";
import { jobs, products, productVersions, taxRates } from "../../db/schema";
import { Conflict, type FieldError, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import { productCharging } from "../charging/definition";
import type { WriteContext } from "../context";
import { productDocument } from "../search/documents";
import { indexDocument } from "../search/index-statements";
import { playbookProblems } from "./playbooks";
import { type ProductCreateInput, type ProductPatchInput, type ProductView, VERSIONED_FIELDS } from "./schemas";

const STATUS_MOVES: Record<string, string[]> = { draft: ["active"], active: ["retired"], retired: ["active"] };

/** Checks references to other products (bundle components, add-on targets) and the tax class. */
async function checkReferences(
  ctx: WriteContext,
  p: { id?: string; type: string; currency: string; tax_class: string; components: string[]; compatible_with: string[] },
) {
  const errors: FieldError[] = [];
  const tax = await ctx.db.select({ id: taxRates.id }).from(taxRates).where(eq(taxRates.taxClass, p.tax_class)).get();
  if (!tax) errors.push({ path: "tax_class", message: `No tax rate for class ${p.tax_class}` });
  const referenced = await getProductsByIds(ctx.db, [...new Set([...p.components, ...p.compatible_with])]);
  const byId = new Map(referenced.map((r) => [r.id, r]));
  for (const [i, id] of p.components.entries()) {
    const component = byId.get(id);
    if (!component) errors.push({ path: `components.${i}`, message: `No product ${id}` });
    else if (component.type !== "standalone") errors.push({ path: `components.${i}`, message: "Components must be standalone products" });
    else if (component.currency !== p.currency) errors.push({ path: `components.${i}`, message: `Priced in ${component.currency}, not ${p.currency}` });
    if (id === p.id) errors.push({ path: `components.${i}`, message: "A bundle cannot contain itself" });
  }
  for (const [i, id] of p.compatible_with.entries()) {
    const target = byId.get(id);
    if (!target) errors.push({ path: `compatible_with.${i}`, message: `No product ${id}` });
    else if (target.type === "addon" || target.type === "promotion")
      errors.push({ path: `compatible_with.${i}`, message: "Add-ons attach to standalone products or bundles" });
  }
  if (errors.length > 0) throw new Invalid("Some references are not valid.", errors);
}

/** The fields whose change is checked against the playbook's needs (and publishing: status). */
const PLAYBOOK_FIELDS = ["status", "provisioning_play", "provisioning_json_vars", "required_inventory"] as const;

/** Refuses an active product that its playbook cannot provision (see playbooks.ts). */
function checkPlaybook(p: Parameters<typeof playbookProblems>[0]) {
  const errors = playbookProblems(p);
  if (errors.length > 0) throw new Invalid(`This product cannot be active: ${errors.map((e) => e.message).join("; ")}.`, errors);
}

/** Sends job ids to the provisioning queue (after their rows are committed). */
export type Enqueue = (jobIds: string[]) => Promise<void>;

/**
 * The catalogue job of an active product version that CGRateS needs to know (renewal plan, add-on
 * action set, low-balance triggers): loaded on publish and on each change; provisioning loads it
 * again on first use.
 */
function catalogJob(p: ProductView, now: string) {
  const charging = productCharging(p);
  const d = charging.definition;
  if (p.status !== "active" || d.actions.length + d.action_plans.length + d.action_triggers.length === 0) return null;
  return {
    id: `job_${ulid()}`,
    type: "catalog" as const,
    status: "pending" as const,
    serviceId: null,
    payload: { product_id: p.id, product_version_id: p.version_id, playbook: "catalog_product" },
    attempts: 0,
    maxAttempts: 5,
    createdAt: now,
    updatedAt: now,
  };
}

/** Creates a product (version 1). */
export async function createProduct(ctx: WriteContext, input: ProductCreateInput, enqueue?: Enqueue): Promise<ProductView> {
  if (await ctx.db.select({ id: products.id }).from(products).where(eq(products.slug, input.slug)).get()) {
    throw new Conflict(`A product with slug ${input.slug} already exists.`);
  }
  const currency = input.currency ?? (await getSettings(ctx.db)).data.default_currency;
  checkPlaybook(input);
  await checkReferences(ctx, { ...input, currency });
  const id = `prd_${ulid()}`;
  const versionId = `prv_${ulid()}`;
  const row = {
    id,
    name: input.name,
    slug: input.slug,
    description: input.description ?? null,
    type: input.type,
    serviceType: input.service_type,
    status: input.status,
    currency,
    taxClass: input.tax_class,
    recurringPeriod: input.recurring_period,
    prorate: input.prorate,
    provisioningPlay: input.provisioning_play,
    provisioningJsonVars: input.provisioning_json_vars,
    requiredInventory: input.required_inventory,
    cgrates: input.cgrates,
    components: input.components,
    compatibleWith: input.compatible_with,
    promotion: input.promotion,
    eligibility: input.eligibility,
    allowNegative: input.allow_negative,
    suspendWhenExhausted: input.suspend_when_exhausted,
    lowBalanceThresholds: input.low_balance_thresholds as Record<string, number>,
    planChangeApproval: input.plan_change_approval,
    currentVersion: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const version = {
    id: versionId,
    productId: id,
    version: 1,
    retailPrice: input.retail_price,
    wholesalePrice: input.wholesale_price,
    retailSetupFee: input.retail_setup_fee,
    wholesaleSetupFee: input.wholesale_setup_fee,
    includedBalances: input.included_balances,
    createdAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.insert(products).values(row),
    ctx.db.insert(productVersions).values(version),
    indexDocument(ctx.db, productDocument({ id, name: row.name, slug: row.slug, type: row.type, serviceType: row.serviceType, status: row.status })),
    recordActivity(ctx, { entity: "product", entityId: id, customerId: null, action: "product.create", after: { ...input, currency } }),
  ]);
  const created = (await getProduct(ctx.db, id)) as ProductView;
  await publish(ctx, created, enqueue);
  return created;
}

/** Queues the catalogue job of an active product (see {@link catalogJob}). */
async function publish(ctx: WriteContext, product: ProductView, enqueue: Enqueue | undefined): Promise<void> {
  const job = catalogJob(product, ctx.now);
  if (!job || !enqueue) return;
  await ctx.db.insert(jobs).values(job);
  await enqueue([job.id]);
}

/**
 * Changes a product. A change of price, setup fee or included balances makes a new version that new
 * orders use; services keep the version they were sold with until migrated (change-plan).
 */
export async function updateProduct(ctx: WriteContext, id: string, patch: ProductPatchInput, enqueue?: Enqueue): Promise<ProductView> {
  const before = await getProduct(ctx.db, id);
  if (!before) throw new NotFound("No product with this id.");
  if (patch.status && patch.status !== before.status && !STATUS_MOVES[before.status]?.includes(patch.status)) {
    throw new Conflict(`Cannot move a product from ${before.status} to ${patch.status}.`, { current_status: before.status });
  }
  const after: ProductView = { ...before };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) (after as Record<string, unknown>)[key] = value;
  if (PLAYBOOK_FIELDS.some((f) => patch[f] !== undefined)) checkPlaybook(after);
  if (patch.components || patch.compatible_with || patch.tax_class || patch.currency) await checkReferences(ctx, after);
  const statements: Statement[] = [];
  const repriced = VERSIONED_FIELDS.some((f) => patch[f] !== undefined && JSON.stringify(patch[f]) !== JSON.stringify(before[f]));
  let version = before.version;
  if (repriced) {
    version = before.version + 1;
    statements.push(
      ctx.db.insert(productVersions).values({
        id: `prv_${ulid()}`,
        productId: id,
        version,
        retailPrice: after.retail_price,
        wholesalePrice: after.wholesale_price,
        retailSetupFee: after.retail_setup_fee,
        wholesaleSetupFee: after.wholesale_setup_fee,
        includedBalances: after.included_balances,
        createdAt: ctx.now,
      }),
    );
  }
  statements.push(
    ctx.db
      .update(products)
      .set({
        name: after.name,
        description: after.description,
        serviceType: after.service_type,
        status: after.status,
        currency: after.currency,
        taxClass: after.tax_class,
        recurringPeriod: after.recurring_period,
        prorate: after.prorate,
        provisioningPlay: after.provisioning_play,
        provisioningJsonVars: after.provisioning_json_vars,
        requiredInventory: after.required_inventory,
        cgrates: after.cgrates,
        components: after.components,
        compatibleWith: after.compatible_with,
        promotion: after.promotion,
        eligibility: after.eligibility,
        allowNegative: after.allow_negative,
        suspendWhenExhausted: after.suspend_when_exhausted,
        lowBalanceThresholds: after.low_balance_thresholds,
        planChangeApproval: after.plan_change_approval,
        currentVersion: version,
        updatedAt: ctx.now,
      })
      .where(eq(products.id, id)),
    indexDocument(ctx.db, productDocument({ id, name: after.name, slug: after.slug, type: after.type, serviceType: after.service_type, status: after.status })),
    recordActivity(ctx, {
      entity: "product",
      entityId: id,
      customerId: null,
      action: repriced ? "product.reprice" : "product.update",
      before,
      after: { ...after, version },
    }),
  );
  await runBatch(ctx.db, statements);
  const updated = (await getProduct(ctx.db, id)) as ProductView;
  await publish(ctx, updated, enqueue);
  return updated;
}
