import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { getService, toJobSummary } from "../../db/queries/services";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { planChangeProration, prorate } from "../../lib/money";
import { activityRow } from "../activity/record";
import { taxRateFor } from "../billing/tax";
import { transactionRow } from "../billing/transactions";
import type { ProductView } from "../catalog/schemas";
import { type ChargingBalance, chargingBalance, includedBalanceId } from "../charging/definition";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "./port";
import type { ServiceView } from "./schemas";
import { jobRow, loadService, op, unwrap } from "./support";

/**
 * What a plan change does to balances (README "Plan changes"): the old plan's included balances are
 * removed (`inc-<old slug>-<i>`), the new plan's are granted — prorated like the price, half-even,
 * when the price is prorated, in full otherwise; money, top-ups and add-ons are kept.
 */
export function planChangeBalances(
  current: ProductView,
  next: ProductView,
  proration: { remainingSeconds: number; periodSeconds: number } | null,
): { remove: string[]; grants: ChargingBalance[] } {
  const remove = current.included_balances.map((_, i) => includedBalanceId(current.slug, i));
  const grants = next.included_balances
    .map((b, i) => ({ b, i, amount: proration ? prorate(b.amount, proration.remainingSeconds, proration.periodSeconds) : b.amount }))
    .filter((g) => g.amount > 0)
    .map((g) => chargingBalance(includedBalanceId(next.slug, g.i), { ...g.b, amount: g.amount }, next.currency));
  return { remove, grants };
}

/** The terms of a plan change, checked: both products, the proration and what happens to balances. */
export async function planChangeTerms(db: WriteContext["db"], service: ServiceView, productId: string, now: string) {
  const current = await getProductAtVersion(db, service.product_version_id);
  const next = await getProduct(db, productId);
  if (!current) throw new Conflict("The service's product version is missing.");
  if (!next) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (next.status !== "active") throw new Conflict(`The product is ${next.status}; only active products can be chosen.`);
  if (next.type !== "standalone" || next.service_type !== current.service_type) {
    throw new Invalid("A plan change keeps the service type and needs a standalone product.", [{ path: "product_id", message: "Not a compatible plan" }]);
  }
  if (next.currency !== current.currency)
    throw new Invalid("The new plan is priced in another currency.", [{ path: "product_id", message: "Currency mismatch" }]);
  if (next.version_id === service.product_version_id) throw new Conflict("The service already has this plan at its current version.");
  const proration =
    current.recurring_period === "monthly" && next.recurring_period === "monthly" && next.prorate
      ? planChangeProration(current.retail_price, next.retail_price, new Date(now))
      : null;
  return { current, next, proration, balances: planChangeBalances(current, next, proration) };
}

/**
 * What a plan change would do, for the confirmation page: the proration, and per balance whether it
 * is removed (with what is left of it at the last reading of CGRateS), granted or kept.
 */
export async function previewPlanChange(db: WriteContext["db"], deps: ServiceDeps, id: string, productId: string, now: string) {
  const service = await getService(db, id);
  if (!service) throw new NotFound("No service with this id.");
  const terms = await planChangeTerms(db, service, productId, now);
  const reading = unwrap(await deps.state(id).chargingSnapshot(id));
  const removed = terms.current.included_balances.map((b, i) => {
    const balanceId = terms.balances.remove[i] ?? "";
    const left = reading?.balances.find((r) => r.id === balanceId);
    return { id: balanceId, unit: b.unit, included: b.amount, left: left ? left.amount : null };
  });
  const kept = (reading?.balances ?? []).filter((b) => !terms.balances.remove.includes(b.id));
  return { ...terms, removed, kept, readAt: reading?.read_at ?? null };
}

/**
 * Moves a service to another product of the same service type (or its own product's current
 * version): the unused part of the old monthly price is credited and the new price charged for the
 * rest of the period, both prorated to the second and rounded half-even.
 */
export async function changePlan(ctx: WriteContext, deps: ServiceDeps, id: string, productId: string, key: string) {
  const service = await loadService(ctx, id);
  const { current, next, proration, balances } = await planChangeTerms(ctx.db, service, productId, ctx.now);
  const rate = await taxRateFor(ctx.db, next.tax_class, service.customer_id);
  const transactions = proration
    ? [
        transactionRow({
          customerId: service.customer_id,
          serviceId: id,
          kind: "credit",
          description: `Unused ${current.name} (plan change)`,
          amount: proration.credit,
          currency: current.currency,
          taxRateBp: rate.rateBp,
          inclusive: rate.inclusive,
          sourceKey: `plan:${id}:${key}:credit`,
          now: ctx.now,
        }),
        transactionRow({
          customerId: service.customer_id,
          serviceId: id,
          kind: "charge",
          description: `${next.name} for the rest of the period`,
          amount: proration.charge,
          currency: next.currency,
          taxRateBp: rate.rateBp,
          inclusive: rate.inclusive,
          sourceKey: `plan:${id}:${key}:charge`,
          now: ctx.now,
        }),
      ].filter((t) => (t.amount ?? 0) > 0)
    : [];
  const job = jobRow(
    "modify",
    id,
    {
      service_id: id,
      change: "plan",
      // Migrating the CGRateS account is the change_plan playbook's; a product without a playbook has no account.
      playbook: current.provisioning_play || next.provisioning_play ? "change_plan" : null,
      from: { product_id: current.id, version_id: current.version_id },
      to: { product_id: next.id, version_id: next.version_id, provisioning_play: next.provisioning_play },
      remove_balances: balances.remove,
      grants: balances.grants,
    },
    ctx.now,
  );
  unwrap(
    await deps.state(id).apply(
      id,
      `plan:${key}`,
      {
        serviceUpdate: { id, productId: next.id, productVersionId: next.version_id, updatedAt: ctx.now },
        transactions,
        jobs: [job],
        activity: [
          activityRow(op(ctx), {
            entity: "service",
            entityId: id,
            customerId: service.customer_id,
            action: "service.change_plan",
            changes: {
              product: { before: `${current.slug} v${current.version}`, after: `${next.slug} v${next.version}` },
              balances: { before: balances.remove, after: balances.grants.map((g) => ({ id: g.id, unit: g.unit, amount: g.amount })) },
              ...(proration ? { proration: { before: null, after: { credit: proration.credit, charge: proration.charge } } } : {}),
            },
          }),
        ],
      },
      ["active", "suspended"],
      { allow_negative: next.allow_negative ? "1" : "0", thresholds: JSON.stringify(next.low_balance_thresholds) },
    ),
  );
  return {
    service: (await getService(ctx.db, id)) as ServiceView,
    proration,
    balances,
    job: toJobSummary({ ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }),
  };
}
