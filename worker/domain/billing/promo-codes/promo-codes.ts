/**
 * Promo codes: made by billing staff, redeemed by an order that names one (`promo_code`). A
 * redemption is a discount on the ordered service's recurring charges (`service_discounts`), which
 * the bill run puts on each invoice it covers as a discount line. The count of redemptions is taken
 * by one conditional UPDATE, so a code with N uses is redeemed N times whatever the concurrency.
 */
import { asc, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { prepared, runBatch } from "../../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../../db/guard";
import { promoCodes, serviceDiscounts } from "../../../db/schema";
import { Conflict, Invalid, NotFound } from "../../../lib/errors";
import { ulid } from "../../../lib/ids";
import { recordActivity } from "../../activity/record";
import type { ProductView } from "../../catalog/schemas";
import type { WriteContext } from "../../context";
import type { PromoCodeCreateInput, PromoCodePatchInput, PromoCodeView } from "./schemas";

type PromoRow = typeof promoCodes.$inferSelect;

export function toPromoCodeView(p: PromoRow): PromoCodeView {
  return {
    id: p.id,
    code: p.code,
    description: p.description,
    kind: p.kind,
    value: p.value,
    months: p.months,
    valid_from: p.validFrom,
    valid_until: p.validUntil,
    max_redemptions: p.maxRedemptions,
    redemptions: p.redemptions,
    eligible_products: p.eligibleProducts,
    status: p.status,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export async function getPromoCode(db: Db, id: string): Promise<PromoCodeView | null> {
  const row = await db.select().from(promoCodes).where(eq(promoCodes.id, id)).get();
  return row ? toPromoCodeView(row) : null;
}

export async function listPromoCodes(db: Db, limit: number, cursor?: string): Promise<{ data: PromoCodeView[]; next_cursor: string | null }> {
  const rows = await db
    .select()
    .from(promoCodes)
    .where(cursor ? lt(promoCodes.id, cursor) : undefined)
    .orderBy(desc(promoCodes.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { data: page.map(toPromoCodeView), next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** What a code gives, in words ("10 % off for 3 months", "2 free months"). */
function duplicate(error: unknown): boolean {
  return /UNIQUE constraint failed: promo_codes\.code/.test(String(error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : error));
}

async function checkProducts(db: Db, ids: string[]) {
  for (const [i, id] of ids.entries()) {
    const found = await db.query.products.findFirst({ where: (p, { eq }) => eq(p.id, id), columns: { id: true } });
    if (!found) throw new Invalid("Unknown product.", [{ path: `eligible_products.${i}`, message: "No such product" }]);
  }
}

export async function createPromoCode(ctx: WriteContext, input: PromoCodeCreateInput): Promise<PromoCodeView> {
  await checkProducts(ctx.db, input.eligible_products);
  const id = `promo_${ulid()}`;
  const row = {
    id,
    code: input.code,
    description: input.description ?? null,
    kind: input.kind,
    value: input.value,
    months: input.kind === "free_months" ? input.value : input.months,
    validFrom: input.valid_from,
    validUntil: input.valid_until,
    maxRedemptions: input.max_redemptions,
    redemptions: 0,
    eligibleProducts: input.eligible_products,
    status: "active" as const,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  try {
    await runBatch(ctx.db, [
      ctx.db.insert(promoCodes).values(row),
      recordActivity(ctx, { entity: "promo_code", entityId: id, customerId: null, action: "promo_code.create", after: { ...toPromoCodeView(row) } }),
    ]);
  } catch (error) {
    if (duplicate(error)) throw new Conflict(`The code ${input.code} already exists.`, { code: input.code });
    throw error;
  }
  return toPromoCodeView(row);
}

export async function updatePromoCode(ctx: WriteContext, id: string, patch: PromoCodePatchInput): Promise<PromoCodeView> {
  const before = await ctx.db.select().from(promoCodes).where(eq(promoCodes.id, id)).get();
  if (!before) throw new NotFound("No promo code with this id.");
  if (patch.eligible_products) await checkProducts(ctx.db, patch.eligible_products);
  const after: PromoRow = {
    ...before,
    description: patch.description === undefined ? before.description : patch.description,
    validFrom: patch.valid_from === undefined ? before.validFrom : patch.valid_from,
    validUntil: patch.valid_until === undefined ? before.validUntil : patch.valid_until,
    maxRedemptions: patch.max_redemptions === undefined ? before.maxRedemptions : patch.max_redemptions,
    eligibleProducts: patch.eligible_products ?? before.eligibleProducts,
    status: patch.status ?? before.status,
    updatedAt: ctx.now,
  };
  if (after.validFrom && after.validUntil && after.validUntil < after.validFrom)
    throw new Invalid("The validity window ends before it starts.", [{ path: "valid_until", message: "Must not be before valid_from" }]);
  await runBatch(ctx.db, [
    ctx.db.update(promoCodes).set(after).where(eq(promoCodes.id, id)),
    recordActivity(ctx, {
      entity: "promo_code",
      entityId: id,
      customerId: null,
      action: "promo_code.update",
      before: { ...toPromoCodeView(before) },
      after: { ...toPromoCodeView(after) },
    }),
  ]);
  return toPromoCodeView(after);
}

export type Redemption = { discountId: string; promoCodeId: string; code: string };

/**
 * Redeems a code for a service being ordered: checks it (active, in its window, for this product, a
 * product with recurring charges), then takes one redemption and records the discount in one batch
 * — or none when the code is used up (409). `release` gives it back when the order fails.
 */
export async function redeemPromoCode(ctx: WriteContext, codeText: string, product: ProductView, customerId: string, serviceId: string): Promise<Redemption> {
  const code = codeText.trim().toUpperCase();
  const unknown = () => new Invalid("This promo code is not valid.", [{ path: "promo_code", message: "Unknown, expired or not for this product" }]);
  const promo = await ctx.db.select().from(promoCodes).where(eq(promoCodes.code, code)).get();
  if (promo?.status !== "active") throw unknown();
  const today = ctx.now.slice(0, 10);
  if ((promo.validFrom && today < promo.validFrom) || (promo.validUntil && today > promo.validUntil)) throw unknown();
  if (promo.eligibleProducts.length > 0 && !promo.eligibleProducts.includes(product.id)) throw unknown();
  if (product.recurring_period === "none")
    throw new Invalid("Promo codes discount recurring charges; this product has none.", [{ path: "promo_code", message: "Not for a one-off product" }]);
  const discountId = `dsc_${ulid()}`;
  const d1 = ctx.db.$client;
  try {
    await d1.batch([
      d1
        .prepare(
          "UPDATE promo_codes SET redemptions = redemptions + 1, updated_at = ?2 WHERE id = ?1 AND status = 'active' AND (max_redemptions IS NULL OR redemptions < max_redemptions)",
        )
        .bind(promo.id, ctx.now),
      abortUnlessChanged(d1),
      prepared(
        d1,
        ctx.db.insert(serviceDiscounts).values({
          id: discountId,
          serviceId,
          customerId,
          promoCodeId: promo.id,
          label: promo.code,
          kind: promo.kind,
          value: promo.value,
          months: promo.months,
          starts: `${ctx.now.slice(0, 7)}-01`,
          createdAt: ctx.now,
        }),
      ),
      prepared(
        d1,
        recordActivity(ctx, {
          entity: "promo_code",
          entityId: promo.id,
          customerId,
          action: "promo_code.redeem",
          after: { service_id: serviceId, discount_id: discountId, code: promo.code },
        }),
      ),
    ]);
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict(`The promo code ${promo.code} has been fully redeemed.`, { code: promo.code });
    throw error;
  }
  return { discountId, promoCodeId: promo.id, code: promo.code };
}

/** Gives a redemption back (the order it was for did not happen). */
export async function releasePromoCode(ctx: WriteContext, r: Redemption): Promise<void> {
  const d1 = ctx.db.$client;
  await d1.batch([
    d1.prepare("DELETE FROM service_discounts WHERE id = ?1").bind(r.discountId),
    abortUnlessChanged(d1),
    d1.prepare("UPDATE promo_codes SET redemptions = redemptions - 1, updated_at = ?2 WHERE id = ?1 AND redemptions > 0").bind(r.promoCodeId, ctx.now),
  ]);
}

/** The discounts of a service, oldest first (the service page lists them). */
export async function discountsOf(db: Db, serviceId: string) {
  return db.select().from(serviceDiscounts).where(eq(serviceDiscounts.serviceId, serviceId)).orderBy(asc(serviceDiscounts.createdAt));
}
