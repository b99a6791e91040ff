import { and, asc, desc, eq, gt, type SQL } from "drizzle-orm";
import type { BalanceUnit, ProductView } from "../../domain/catalog/schemas";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import { inList } from "../bulk";
import type { Db } from "../client";
import { type Product, type ProductVersion, products, productVersions, taxRates } from "../schema";

export function toProductView(p: Product, v: ProductVersion): ProductView {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    description: p.description,
    type: p.type,
    service_type: p.serviceType,
    status: p.status,
    currency: p.currency,
    tax_class: p.taxClass,
    version: v.version,
    version_id: v.id,
    retail_price: v.retailPrice,
    wholesale_price: v.wholesalePrice,
    retail_setup_fee: v.retailSetupFee,
    wholesale_setup_fee: v.wholesaleSetupFee,
    recurring_period: p.recurringPeriod,
    prorate: p.prorate,
    provisioning_play: p.provisioningPlay,
    provisioning_json_vars: p.provisioningJsonVars,
    required_inventory: p.requiredInventory,
    cgrates: p.cgrates,
    included_balances: v.includedBalances as { unit: BalanceUnit; amount: number; validity_days: number | null }[],
    components: p.components,
    compatible_with: p.compatibleWith,
    promotion: p.promotion ?? null,
    eligibility: p.eligibility,
    allow_negative: p.allowNegative,
    suspend_when_exhausted: p.suspendWhenExhausted,
    low_balance_thresholds: p.lowBalanceThresholds,
    plan_change_approval: p.planChangeApproval,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

const currentVersion = and(eq(productVersions.productId, products.id), eq(productVersions.version, products.currentVersion));

/** A product with its current price version. */
export async function getProduct(db: Db, id: string): Promise<ProductView | null> {
  const row = await db.select({ p: products, v: productVersions }).from(products).innerJoin(productVersions, currentVersion).where(eq(products.id, id)).get();
  return row ? toProductView(row.p, row.v) : null;
}

export async function getProductsByIds(db: Db, ids: string[]): Promise<ProductView[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ p: products, v: productVersions }).from(products).innerJoin(productVersions, currentVersion).where(inList(products.id, ids));
  return rows.map((r) => toProductView(r.p, r.v));
}

/** A product as it was at one version (services keep the terms they were sold with). */
export async function getProductAtVersion(db: Db, versionId: string): Promise<ProductView | null> {
  const row = await db
    .select({ p: products, v: productVersions })
    .from(productVersions)
    .innerJoin(products, eq(products.id, productVersions.productId))
    .where(eq(productVersions.id, versionId))
    .get();
  return row ? toProductView(row.p, row.v) : null;
}

export async function listProductVersions(db: Db, productId: string) {
  return db.select().from(productVersions).where(eq(productVersions.productId, productId)).orderBy(desc(productVersions.version));
}

export type ProductFilters = { status?: string; type?: string; serviceType?: string; compatibleWith?: string; limit: number; cursor?: string };

export async function listProducts(db: Db, f: ProductFilters): Promise<Page<ProductView>> {
  const where: (SQL | undefined)[] = [];
  if (f.status) where.push(eq(products.status, f.status as Product["status"]));
  if (f.type) where.push(eq(products.type, f.type as Product["type"]));
  if (f.serviceType) where.push(eq(products.serviceType, f.serviceType as Product["serviceType"]));
  if (f.cursor) where.push(gt(products.name, String(decodeCursor(f.cursor, 2)[0])));
  const rows = await db
    .select({ p: products, v: productVersions })
    .from(products)
    .innerJoin(productVersions, currentVersion)
    .where(and(...where))
    .orderBy(asc(products.name), asc(products.id))
    .limit(f.limit + 1);
  let views = rows.map((r) => toProductView(r.p, r.v));
  if (f.compatibleWith) views = views.filter((p) => p.compatible_with.includes(f.compatibleWith ?? ""));
  const page = views.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page, next_cursor: rows.length > f.limit && last ? encodeCursor([last.name, last.id]) : null };
}

/** The rate of a tax class in basis points and whether prices include it, or null when the class has none. */
export async function taxRateOf(db: Db, taxClass: string): Promise<{ rateBp: number; inclusive: boolean } | null> {
  return (await db.select({ rateBp: taxRates.rateBp, inclusive: taxRates.inclusive }).from(taxRates).where(eq(taxRates.taxClass, taxClass)).get()) ?? null;
}
