import { asc, eq, sql } from "drizzle-orm";
import type { TaxRateView } from "../../domain/billing/tax-rates/schemas";
import type { Db } from "../client";
import { taxRates } from "../schema";

// Written out: inside a subquery drizzle leaves column names unqualified, and `tax_class = tax_class` counts every product.
const productCount = sql<number>`(SELECT count(*) FROM products p WHERE p.tax_class = "tax_rates"."tax_class")`;

function toView(r: typeof taxRates.$inferSelect & { products: number }): TaxRateView {
  return {
    id: r.id,
    tax_class: r.taxClass,
    name: r.name,
    rate_bp: r.rateBp,
    jurisdiction: r.jurisdiction,
    inclusive: r.inclusive,
    products: r.products,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** Every tax rate by class (a handful: no paging). */
export async function listTaxRates(db: Db): Promise<TaxRateView[]> {
  const rows = await db.select({ row: taxRates, products: productCount }).from(taxRates).orderBy(asc(taxRates.taxClass));
  return rows.map((r) => toView({ ...r.row, products: r.products }));
}

export async function getTaxRate(db: Db, id: string): Promise<TaxRateView | null> {
  const r = await db.select({ row: taxRates, products: productCount }).from(taxRates).where(eq(taxRates.id, id)).get();
  return r ? toView({ ...r.row, products: r.products }) : null;
}

export async function taxRateByClass(db: Db, taxClass: string) {
  return db.select({ id: taxRates.id }).from(taxRates).where(eq(taxRates.taxClass, taxClass)).get();
}
