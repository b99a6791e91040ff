import { and, asc, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { ServiceView } from "../../domain/services/schemas";
import type { ServiceStatus } from "../../domain/services/state";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { jobs, products, type Service, serviceAddons, services, usageRecords } from "../schema";

export function toServiceView(s: Service, product: { name: string; serviceType: string }): ServiceView {
  return {
    id: s.id,
    customer_id: s.customerId,
    product_id: s.productId,
    product_version_id: s.productVersionId,
    product_name: product.name,
    service_type: product.serviceType,
    site_id: s.siteId,
    contact_id: s.contactId,
    parent_service_id: s.parentServiceId,
    status: s.status,
    identifiers: s.identifiers,
    vars: s.vars,
    activated_at: s.activatedAt,
    terminated_at: s.terminatedAt,
    charging_synced_at: s.chargingSyncedAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export async function getService(db: Db, id: string): Promise<ServiceView | null> {
  const row = await db
    .select({ s: services, name: products.name, serviceType: products.serviceType })
    .from(services)
    .innerJoin(products, eq(products.id, services.productId))
    .where(eq(services.id, id))
    .get();
  return row ? toServiceView(row.s, row) : null;
}

export type ServiceFilters = { customerId?: string; status?: ServiceStatus; productId?: string; parentId?: string; limit: number; cursor?: string };

/** Services, newest first. */
export async function listServices(db: Db, f: ServiceFilters): Promise<Page<ServiceView>> {
  const where: (SQL | undefined)[] = [];
  if (f.customerId) where.push(eq(services.customerId, f.customerId));
  if (f.status) where.push(eq(services.status, f.status));
  if (f.productId) where.push(eq(services.productId, f.productId));
  if (f.parentId) where.push(eq(services.parentServiceId, f.parentId));
  if (f.cursor) where.push(lt(services.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select({ s: services, name: products.name, serviceType: products.serviceType })
    .from(services)
    .innerJoin(products, eq(products.id, services.productId))
    .where(and(...where))
    .orderBy(desc(services.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map((r) => toServiceView(r.s, r)), next_cursor: rows.length > f.limit && last ? encodeCursor([last.s.id]) : null };
}

export async function serviceJobs(db: Db, serviceId: string, limit = 20) {
  return db.select().from(jobs).where(eq(jobs.serviceId, serviceId)).orderBy(desc(jobs.id)).limit(limit);
}

export async function serviceAddonList(db: Db, serviceId: string) {
  return db
    .select({ id: serviceAddons.id, productId: serviceAddons.productId, name: products.name, createdAt: serviceAddons.createdAt })
    .from(serviceAddons)
    .innerJoin(products, eq(products.id, serviceAddons.productId))
    .where(eq(serviceAddons.serviceId, serviceId))
    .orderBy(asc(serviceAddons.createdAt));
}

/** Daily usage per unit since a day (YYYY-MM-DD), as synced from CGRateS. */
export async function serviceUsage(db: Db, serviceId: string, sinceDay: string) {
  return db
    .select()
    .from(usageRecords)
    .where(and(eq(usageRecords.serviceId, serviceId), gte(usageRecords.day, sinceDay)))
    .orderBy(asc(usageRecords.day));
}

export function toJobSummary(j: Omit<typeof jobs.$inferSelect, "notBefore">) {
  return { id: j.id, type: j.type, status: j.status, attempts: j.attempts, service_id: j.serviceId, created_at: j.createdAt };
}

export type ServiceTerms = {
  id: string;
  customerId: string;
  status: string;
  productId: string;
  productName: string;
  currency: string;
  taxClass: string;
  taxRateBp: number | null;
  taxInclusive: boolean;
};

/** A service with what money operations need (its product's currency and tax rate), in one query. */
export async function getServiceTerms(db: Db, id: string): Promise<ServiceTerms | null> {
  const row = await db.$client
    .prepare(
      // A customer with a tax exemption pays no tax (rate 0), whatever the class's rate.
      `SELECT s.id, s.customer_id, s.status, s.product_id, p.name AS product_name, p.currency, p.tax_class,
              CASE WHEN t.rate_bp IS NOT NULL AND c.tax_exemption_reason IS NOT NULL THEN 0 ELSE t.rate_bp END AS rate_bp, t.inclusive
       FROM services s JOIN products p ON p.id = s.product_id JOIN customers c ON c.id = s.customer_id
       LEFT JOIN tax_rates t ON t.tax_class = p.tax_class
       WHERE s.id = ?`,
    )
    .bind(id)
    .first<{
      id: string;
      customer_id: string;
      status: string;
      product_id: string;
      product_name: string;
      currency: string;
      tax_class: string;
      rate_bp: number | null;
      inclusive: number | null;
    }>();
  return row
    ? {
        id: row.id,
        customerId: row.customer_id,
        status: row.status,
        productId: row.product_id,
        productName: row.product_name,
        currency: row.currency,
        taxClass: row.tax_class,
        taxRateBp: row.rate_bp,
        taxInclusive: Boolean(row.inclusive),
      }
    : null;
}

/** The services a bundle's service carries (its components). */
export async function childServices(db: Db, parentId: string): Promise<{ service_id: string; product_id: string }[]> {
  return db.select({ service_id: services.id, product_id: services.productId }).from(services).where(eq(services.parentServiceId, parentId));
}

/** How many services (any status) are on a product. */
export async function countServicesOfProduct(db: Db, productId: string): Promise<number> {
  return (await db.select({ n: sql<number>`count(*)` }).from(services).where(eq(services.productId, productId)).get())?.n ?? 0;
}
