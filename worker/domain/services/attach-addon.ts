import { getProduct } from "../../db/queries/catalog";
import { getJob } from "../../db/queries/jobs";
import { getService, toJobSummary } from "../../db/queries/services";
import { Conflict, Invalid } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { activityRow } from "../activity/record";
import { taxRateFor } from "../billing/tax";
import { transactionRow } from "../billing/transactions";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "./port";
import type { ServiceView } from "./schemas";
import type { Effects } from "./state";
import { loadService, op, unwrap } from "./support";
import { topUpService } from "./top-up";

/**
 * Attaches an add-on (or a promotion) to a service it is compatible with. An add-on with balances is a
 * top-up by that product (charged once, pending until its job has run the add-on's action set in
 * CGRateS, reversed if the job fails) that also records the add-on; a promotion has nothing to do on
 * the network and is recorded at once.
 */
export async function attachAddon(ctx: WriteContext, deps: ServiceDeps, id: string, productId: string, key: string) {
  const service = await loadService(ctx, id);
  const addon = await getProduct(ctx.db, productId);
  if (!addon) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (addon.type !== "addon" && addon.type !== "promotion")
    throw new Invalid("Only add-ons and promotions attach to a service.", [{ path: "product_id", message: "Not an add-on" }]);
  if (addon.status !== "active") throw new Conflict(`The add-on is ${addon.status}.`);
  if (!addon.compatible_with.includes(service.product_id))
    throw new Invalid("This add-on does not attach to this service's product.", [{ path: "product_id", message: "Not compatible" }]);
  const addonId = `sad_${ulid()}`;
  const recorded: Effects = {
    addons: [{ id: addonId, serviceId: id, productId: addon.id, productVersionId: addon.version_id, createdAt: ctx.now }],
    activity: [
      activityRow(op(ctx), {
        entity: "service",
        entityId: id,
        customerId: service.customer_id,
        action: "service.addon",
        after: { addon: addon.slug, addon_id: addonId },
      }),
    ],
  };
  if (addon.type === "addon" && addon.included_balances.length > 0) {
    const topUp = await topUpService(ctx, deps, id, { product_id: addon.id }, `addon:${key}`, null, { id: addonId, effects: recorded });
    const job = await getJob(ctx.db, topUp.job_id);
    // A replayed key answers the add-on the first request attached.
    const first = job ? String(job.payload.addon_id ?? addonId) : addonId;
    return {
      service: (await getService(ctx.db, id)) as ServiceView,
      addon_id: first,
      balance: topUp.balance,
      job: job ? toJobSummary(job) : null,
    };
  }
  const rate = await taxRateFor(ctx.db, addon.tax_class, service.customer_id);
  const price = addon.retail_price + addon.retail_setup_fee;
  unwrap(
    await deps.state(id).apply(
      id,
      `addon:${key}`,
      {
        ...recorded,
        transactions:
          price > 0
            ? [
                transactionRow({
                  customerId: service.customer_id,
                  serviceId: id,
                  kind: "charge",
                  description: `Add-on: ${addon.name}`,
                  amount: price,
                  wholesaleAmount: addon.wholesale_price + addon.wholesale_setup_fee,
                  currency: addon.currency,
                  taxRateBp: rate.rateBp,
                  inclusive: rate.inclusive,
                  sourceKey: `addon:${addonId}`,
                  now: ctx.now,
                }),
              ]
            : [],
      },
      ["active", "suspended"],
    ),
  );
  return { service: (await getService(ctx.db, id)) as ServiceView, addon_id: addonId, balance: null, job: null };
}
