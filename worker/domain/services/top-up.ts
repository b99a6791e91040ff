import type { Db } from "../../db/client";
import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { getService, getServiceTerms, type ServiceTerms } from "../../db/queries/services";
import { sha256Hex } from "../../lib/crypto";
import { Invalid, NotFound } from "../../lib/errors";
import { type TaxTerms, taxRateFor } from "../billing/tax";
import { transactionRow } from "../billing/transactions";
import type { ProductView } from "../catalog/schemas";
import { addonActionsId, chargingBalance } from "../charging/definition";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "./port";
import type { Effects } from "./state";
import { jobRow, op, unwrap } from "./support";

/** The top-up add-on a service may be topped up with (active, compatible, carrying balances, in its currency), or a 422. */
export async function topUpPack(db: Db, service: ServiceTerms, productId: string): Promise<ProductView> {
  const addon = await getProduct(db, productId);
  if (addon?.type !== "addon" || addon.status !== "active")
    throw new Invalid("Unknown or inactive top-up product.", [{ path: "product_id", message: "Not an active add-on" }]);
  if (!addon.compatible_with.includes(service.productId))
    throw new Invalid("This top-up does not apply to this service.", [{ path: "product_id", message: "Not compatible" }]);
  if (addon.included_balances.length === 0) throw new Invalid("This add-on carries no balance to top up.", [{ path: "product_id", message: "No balances" }]);
  if (addon.currency !== service.currency)
    throw new Invalid(`This add-on is priced in ${addon.currency}, the service in ${service.currency}.`, [
      { path: "product_id", message: "Currency mismatch" },
    ]);
  return addon;
}

/** How many days of its own plan a service can be topped up with at once. */
export const MAX_TOP_UP_DAYS = 30;

/**
 * N days (1–30) of a service's own plan: its included balances and its monthly price pro rata
 * (a month counts 30 days; the price rounded half up, balances rounded down), valid N days. Only
 * monthly plans with included balances are sold by the day.
 */
export async function daysPack(db: Db, serviceId: string, days: number) {
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOP_UP_DAYS)
    throw new Invalid(`Between 1 and ${MAX_TOP_UP_DAYS} days.`, [{ path: "days", message: `1 to ${MAX_TOP_UP_DAYS}` }]);
  const service = await getService(db, serviceId);
  if (!service) throw new NotFound("No service with this id.");
  const product = await getProductAtVersion(db, service.product_version_id);
  if (product?.recurring_period !== "monthly" || product.included_balances.length === 0)
    throw new Invalid("This plan is not sold by the day.", [{ path: "days", message: "Not available for this plan" }]);
  const credits = product.included_balances
    .map((b) => ({ unit: b.unit, amount: Math.floor((b.amount * days) / 30), validity_days: days }))
    .filter((c) => c.amount > 0);
  return { product, price: Math.floor((product.retail_price * days + 15) / 30), credits, days };
}

/**
 * Tops a service up: monetary credit ({amount, currency}) or a top-up add-on's balances. The balance
 * shows it at once as pending; the topup job (CGRateS) confirms it; a failed job reverses it. The
 * customer is charged once per key, whatever the concurrency or retries.
 */
export async function topUpService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  input: { amount: number; currency: string } | { product_id: string } | { days: number },
  key: string,
  scope: string | null = null,
  /** An add-on attached by this top-up (its service_addons row and activity go in the same write). */
  addon: { id: string; effects: Effects } | null = null,
) {
  let credits: { unit: ProductView["included_balances"][number]["unit"]; amount: number; validity_days: number | null }[];
  let currency: string;
  // Money top-ups are the hottest money path: the ServiceState object checks them against the terms
  // it holds (whose service, which currency, which tax rate) and writes their charge; nothing is read here.
  let charge: { customerId: string; amount: number; wholesale: number; description: string; rate: TaxTerms; currency: string } | null = null;
  let pack: ProductView | null = null;
  if ("amount" in input) {
    credits = [{ unit: "monetary", amount: input.amount, validity_days: null }];
    currency = input.currency;
  } else if ("days" in input) {
    const service = await getServiceTerms(ctx.db, id);
    if (!service || (scope !== null && service.customerId !== scope)) throw new NotFound("No service with this id.");
    const bought = await daysPack(ctx.db, id, input.days);
    credits = bought.credits;
    currency = bought.product.currency;
    charge = {
      customerId: service.customerId,
      amount: bought.price,
      wholesale: 0,
      description: `${input.days} days of ${bought.product.name}`,
      rate: await taxRateFor(ctx.db, bought.product.tax_class, service.customerId),
      currency,
    };
  } else {
    const service = await getServiceTerms(ctx.db, id);
    if (!service || (scope !== null && service.customerId !== scope)) throw new NotFound("No service with this id.");
    const addon = await topUpPack(ctx.db, service, input.product_id);
    pack = addon;
    credits = addon.included_balances;
    currency = addon.currency;
    charge = {
      customerId: service.customerId,
      amount: addon.retail_price,
      wholesale: addon.wholesale_price,
      description: `Top-up ${addon.name}`,
      rate: await taxRateFor(ctx.db, addon.tax_class, service.customerId),
      currency: addon.currency,
    };
  }
  const requestHash = await sha256Hex(JSON.stringify([id, input]));
  // Each credit's key is also the id of its CGRateS balance: a repeated job finds it and adds nothing.
  const keys = credits.map((_, i) => (i === 0 ? `topup:${key}` : `topup:${key}:${i}`));
  const job = jobRow(
    "topup",
    id,
    {
      service_id: id,
      top_up_keys: keys,
      credits: credits.map((c, i) => chargingBalance(keys[i] ?? `topup:${key}:${i}`, c, currency)),
      product_id: pack?.id ?? null,
      product_version_id: pack?.version_id ?? null,
      // A pack runs its add-on's catalogue action set through its playbook; money is one AddBalance the runner makes.
      playbook: pack ? pack.provisioning_play || "addon_topup" : null,
      actions_id: pack ? addonActionsId(pack) : null,
      ...(addon ? { addon_id: addon.id } : {}),
      // The charge a failed top-up reverses.
      charge_key: `topup:${id}:${key}`,
    },
    ctx.now,
  );
  const state = deps.state(id);
  let last: Awaited<ReturnType<typeof state.topUp>> | null = null;
  for (const [i, credit] of credits.entries()) {
    last = await state.topUp(
      id,
      {
        key: keys[i] ?? `topup:${key}:${i}`,
        unit: credit.unit,
        amount: credit.amount,
        validityDays: credit.validity_days,
        reference: job.id,
        requestHash,
        admission: i === 0,
        ...(i === 0 && "amount" in input ? { money: { currency: input.currency, customerScope: scope, chargeKey: `topup:${id}:${key}` } } : {}),
        effects:
          i === 0
            ? {
                ...addon?.effects,
                jobs: [job],
                transactions:
                  charge && charge.amount > 0
                    ? [
                        transactionRow({
                          customerId: charge.customerId,
                          serviceId: id,
                          kind: "charge",
                          description: charge.description,
                          amount: charge.amount,
                          wholesaleAmount: charge.wholesale,
                          currency: charge.currency,
                          taxRateBp: charge.rate.rateBp,
                          inclusive: charge.rate.inclusive,
                          sourceKey: `topup:${id}:${key}`,
                          now: ctx.now,
                        }),
                      ]
                    : [],
              }
            : {},
      },
      op(ctx),
    );
    unwrap(last);
  }
  const value = last ? unwrap(last) : null;
  return {
    id: value?.entry ?? "",
    key: keys[0],
    job_id: job.id,
    replayed: last?.ok === true && last.replayed,
    status: "pending" as const,
    balance: value ? { service_id: value.service_id, status: value.status, buckets: value.buckets } : null,
  };
}
