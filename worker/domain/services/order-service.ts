import { getProduct } from "../../db/queries/catalog";
import { getContact } from "../../db/queries/contacts";
import { exposure } from "../../db/queries/invoices";
import { getJob } from "../../db/queries/jobs";
import { getService, toJobSummary } from "../../db/queries/services";
import { getSiteRow } from "../../db/queries/sites";
import { Conflict, Invalid } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { activityRow } from "../activity/record";
import { redeemPromoCode, releasePromoCode } from "../billing/promo-codes/promo-codes";
import { taxRateFor } from "../billing/tax";
import { transactionRow } from "../billing/transactions";
import type { ProductView } from "../catalog/schemas";
import type { WriteContext } from "../context";
import { loadWritableCustomer } from "../customers/load";
import { identifiersFrom, reservationActivity, withReservation } from "../inventory/allocation";
import { serviceDocument } from "../search/documents";
import type { ServiceDeps } from "./port";
import type { ServiceOrderInput, ServiceView } from "./schemas";
import type { Effects, ServiceRow } from "./state";
import { jobRow, op, unwrap } from "./support";

/**
 * Orders a product for a customer: the service (and, for a bundle, one per component, linked to it)
 * is created pending with its provisioning job and setup charge in one write, by its ServiceState
 * object; the job is queued after the write. Add-ons and promotions attach to existing services.
 */
export async function orderService(
  ctx: WriteContext,
  deps: ServiceDeps,
  customerId: string,
  input: ServiceOrderInput,
): Promise<{ service: ServiceView; job: ReturnType<typeof toJobSummary> }> {
  const customer = await loadWritableCustomer(ctx.db, customerId);
  if (customer.status !== "open") throw new Conflict(`Cannot order for a customer that is ${customer.status}.`, { current_status: customer.status });
  const product = await getProduct(ctx.db, input.product_id);
  if (!product) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (product.status !== "active") throw new Conflict(`The product is ${product.status}; only active products can be ordered.`);
  if (product.type === "addon" || product.type === "promotion") {
    throw new Invalid("Add-ons and promotions attach to an existing service.", [
      { path: "product_id", message: `A ${product.type} cannot be ordered on its own` },
    ]);
  }
  if (!product.eligibility.customer_types.includes(customer.type)) {
    throw new Invalid(`This product is not offered to ${customer.type} customers.`, [{ path: "product_id", message: "Not eligible" }]);
  }
  if (product.currency !== customer.currency) {
    throw new Invalid(`The product is priced in ${product.currency}, the customer pays in ${customer.currency}.`, [
      { path: "product_id", message: "Currency mismatch" },
    ]);
  }
  // A postpaid customer with a credit limit: what they owe, plus this order's first charges, must fit in it.
  if (customer.payment_type === "postpaid" && customer.credit_limit !== null) {
    const owed = await exposure(ctx.db, customerId, customer.currency);
    const first = product.retail_setup_fee + (product.recurring_period === "none" ? 0 : product.retail_price);
    if (owed + first > customer.credit_limit)
      throw new Conflict(
        `This order would take the customer over their credit limit: they owe ${owed}, the order starts at ${first}, the limit is ${customer.credit_limit} (minor units of ${customer.currency}).`,
        { owed, order: first, credit_limit: customer.credit_limit },
      );
  }
  if (input.site_id) {
    if ((await getSiteRow(ctx.db, input.site_id))?.customerId !== customerId)
      throw new Invalid("The site does not belong to this customer.", [{ path: "site_id", message: "Unknown site" }]);
  }
  if (input.contact_id) {
    if ((await getContact(ctx.db, input.contact_id))?.customer_id !== customerId)
      throw new Invalid("The contact does not belong to this customer.", [{ path: "contact_id", message: "Unknown contact" }]);
  }
  const components: ProductView[] = [];
  for (const id of product.type === "bundle" ? product.components : []) {
    const component = await getProduct(ctx.db, id);
    if (!component) throw new Conflict(`The bundle's component ${id} no longer exists.`);
    components.push(component);
  }
  const serviceId = `svc_${ulid()}`;
  // A bundle's inventory (its components' needs too) is held by the bundle's own service.
  const required = [...product.required_inventory, ...components.flatMap((c) => c.required_inventory)];
  if (required.length === 0 && input.inventory && Object.keys(input.inventory).length > 0) {
    throw new Invalid("This product uses no inventory.", [{ path: "inventory", message: "Not required by the product" }]);
  }
  const reservation = {
    serviceId,
    customerId,
    required,
    picks: input.inventory ?? {},
    vars: product.provisioning_json_vars,
    serviceType: product.service_type,
  };
  // A promo code is redeemed first (409 when used up) and given back if the order does not happen.
  const redemption = input.promo_code ? await redeemPromoCode(ctx, input.promo_code, product, customerId, serviceId) : null;
  try {
    return await placeOrder(product);
  } catch (error) {
    if (redemption) await releasePromoCode(ctx, redemption);
    throw error;
  }

  async function placeOrder(product: ProductView) {
    let job: ReturnType<typeof jobRow> | undefined;
    const created_ = await withReservation(ctx, reservation, async (reserved) => {
      const base = (p: ProductView, id: string, parent: string | null): ServiceRow => ({
        id,
        customerId,
        productId: p.id,
        productVersionId: p.version_id,
        siteId: input.site_id ?? null,
        contactId: input.contact_id ?? null,
        parentServiceId: parent,
        status: "pending",
        identifiers: {},
        vars: parent ? {} : input.vars,
        activatedAt: null,
        terminatedAt: null,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      });
      const service = { ...base(product, serviceId, null), identifiers: identifiersFrom(reserved.items, reserved.ips) };
      const children = components.map((c) => base(c, `svc_${ulid()}`, serviceId));
      const rate = await taxRateFor(ctx.db, product.tax_class, customer);
      job = jobRow(
        "provision",
        serviceId,
        {
          service_id: serviceId,
          customer_id: customerId,
          product_id: product.id,
          product_version_id: product.version_id,
          playbook: product.provisioning_play,
          provisioning_play: product.provisioning_play,
          components: children.map((c) => ({ service_id: c.id, product_id: c.productId })),
          site_id: service.siteId,
          contact_id: service.contactId,
          vars: input.vars,
          // What the playbook configures (secrets stay sealed in D1; the runner asks for them when it needs them).
          inventory: reserved.items.map((i) => ({ id: i.id, type: i.type, fields: i.fields })),
          ip_allocations: reserved.ips,
        },
        ctx.now,
      );
      const effects: Effects = {
        jobs: [job],
        transactions:
          product.retail_setup_fee > 0
            ? [
                transactionRow({
                  customerId,
                  serviceId,
                  kind: "charge",
                  description: `Setup: ${product.name}`,
                  amount: product.retail_setup_fee,
                  wholesaleAmount: product.wholesale_setup_fee,
                  currency: product.currency,
                  taxRateBp: rate.rateBp,
                  inclusive: rate.inclusive,
                  sourceKey: `setup:${serviceId}`,
                  now: ctx.now,
                }),
              ]
            : [],
        search: [
          serviceDocument({ id: serviceId, customerId, status: "pending", identifiers: service.identifiers }, product.name, customer.name),
          ...children.map((c, i) => serviceDocument({ id: c.id, customerId, status: "pending", identifiers: {} }, components[i]?.name ?? "", customer.name)),
        ],
        activity: [
          activityRow(op(ctx), {
            entity: "service",
            entityId: serviceId,
            customerId,
            action: "service.order",
            after: {
              product: product.slug,
              version: product.version,
              components: children.map((c) => c.id),
              site_id: service.siteId,
              contact_id: service.contactId,
              inventory: reserved.items.map((i) => i.id),
              ip_allocations: reserved.ips.map((a) => a.cidr),
            },
          }),
          ...reservationActivity(op(ctx), reserved.items, serviceId, customerId),
        ],
      };
      // The object records the service with its reservation (withReservation gives it back if refused).
      return deps.state(serviceId).create({
        key: "create",
        service,
        children,
        effects,
        allowNegative: product.allow_negative,
        thresholds: product.low_balance_thresholds,
        inventory: reserved.items.map((i) => i.id),
      });
    });
    unwrap(created_);
    if (!job) throw new Error("The order's job was not built.");
    if (required.length > 0) await deps.stockChanged?.(ctx, [...new Set(required)]);
    const created = (await getService(ctx.db, serviceId)) as ServiceView;
    const row = await getJob(ctx.db, job.id);
    return { service: created, job: toJobSummary(row ?? { ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }) };
  }
}
