import { eq } from "drizzle-orm";
import { runBatch } from "../../../db/client";
import { getTaxRate, taxRateByClass } from "../../../db/queries/tax-rates";
import { taxRates } from "../../../db/schema";
import { Conflict, NotFound } from "../../../lib/errors";
import { ulid } from "../../../lib/ids";
import { recordActivity } from "../../activity/record";
import type { WriteContext } from "../../context";
import type { TaxRateCreateInput, TaxRatePatchInput, TaxRateView } from "./schemas";

/**
 * A tax rate for a class of products. Transactions keep the rate they were recorded with (they are
 * immutable), so a new rate applies from the next charge on; top-ups see it within a minute (the
 * ServiceState object's money terms).
 */
export async function createTaxRate(ctx: WriteContext, input: TaxRateCreateInput): Promise<TaxRateView> {
  if (await taxRateByClass(ctx.db, input.tax_class)) throw new Conflict(`Tax class ${input.tax_class} already has a rate.`, { tax_class: input.tax_class });
  const id = `tax_${ulid()}`;
  const conflict = () => new Conflict(`Tax class ${input.tax_class} already has a rate.`, { tax_class: input.tax_class });
  await runBatch(ctx.db, [
    ctx.db.insert(taxRates).values({
      id,
      taxClass: input.tax_class,
      name: input.name,
      rateBp: input.rate_bp,
      jurisdiction: input.jurisdiction ?? null,
      inclusive: input.inclusive,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
    recordActivity(ctx, {
      entity: "tax_rate",
      entityId: id,
      customerId: null,
      action: "tax_rate.create",
      after: { tax_class: input.tax_class, name: input.name, rate_bp: input.rate_bp, jurisdiction: input.jurisdiction ?? null, inclusive: input.inclusive },
    }),
  ]).catch((error: unknown) => {
    // Another request gave the class a rate first (the unique class).
    throw /UNIQUE constraint failed: tax_rates\.tax_class/.test(String(error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : error))
      ? conflict()
      : error;
  });
  return (await getTaxRate(ctx.db, id)) as TaxRateView;
}

export async function updateTaxRate(ctx: WriteContext, id: string, patch: TaxRatePatchInput): Promise<TaxRateView> {
  const before = await getTaxRate(ctx.db, id);
  if (!before) throw new NotFound("No tax rate with this id.");
  const after = {
    name: patch.name ?? before.name,
    rate_bp: patch.rate_bp ?? before.rate_bp,
    jurisdiction: patch.jurisdiction === undefined ? before.jurisdiction : patch.jurisdiction,
    inclusive: patch.inclusive ?? before.inclusive,
  };
  await runBatch(ctx.db, [
    ctx.db
      .update(taxRates)
      .set({ name: after.name, rateBp: after.rate_bp, jurisdiction: after.jurisdiction, inclusive: after.inclusive, updatedAt: ctx.now })
      .where(eq(taxRates.id, id)),
    recordActivity(ctx, {
      entity: "tax_rate",
      entityId: id,
      customerId: null,
      action: "tax_rate.update",
      before: { name: before.name, rate_bp: before.rate_bp, jurisdiction: before.jurisdiction, inclusive: before.inclusive },
      after,
    }),
  ]);
  return (await getTaxRate(ctx.db, id)) as TaxRateView;
}
