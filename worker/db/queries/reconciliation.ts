import { and, asc, eq, gt, isNotNull, isNull, or, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { products, reconciliationFlags, services } from "../schema";

export type ReconciliationView = {
  service_id: string;
  customer_id: string;
  product_name: string;
  identifiers: Record<string, string>;
  unit: "monetary" | "data" | "voice" | "sms";
  bss: number;
  cgrates: number;
  difference: number;
  since: string;
  last_seen_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
};

export type ReconciliationFilters = {
  serviceId?: string;
  unit?: ReconciliationView["unit"];
  status: "open" | "resolved" | "all";
  limit: number;
  cursor?: string;
};

/** Differences between the BSS and CGRateS, oldest first (open ones unless asked otherwise). */
export async function listReconciliation(db: Db, f: ReconciliationFilters): Promise<Page<ReconciliationView>> {
  const where: (SQL | undefined)[] = [];
  if (f.serviceId) where.push(eq(reconciliationFlags.serviceId, f.serviceId));
  if (f.unit) where.push(eq(reconciliationFlags.unit, f.unit));
  if (f.status === "open") where.push(isNull(reconciliationFlags.resolvedAt));
  if (f.status === "resolved") where.push(isNotNull(reconciliationFlags.resolvedAt));
  if (f.cursor) {
    const [since, serviceId, unit] = decodeCursor(f.cursor, 3).map(String);
    where.push(
      or(
        gt(reconciliationFlags.since, since ?? ""),
        and(eq(reconciliationFlags.since, since ?? ""), gt(reconciliationFlags.serviceId, serviceId ?? "")),
        and(eq(reconciliationFlags.since, since ?? ""), eq(reconciliationFlags.serviceId, serviceId ?? ""), gt(reconciliationFlags.unit, unit as "data")),
      ),
    );
  }
  const rows = await db
    .select({ f: reconciliationFlags, customerId: services.customerId, identifiers: services.identifiers, productName: products.name })
    .from(reconciliationFlags)
    .innerJoin(services, eq(services.id, reconciliationFlags.serviceId))
    .innerJoin(products, eq(products.id, services.productId))
    .where(and(...where))
    .orderBy(asc(reconciliationFlags.since), asc(reconciliationFlags.serviceId), asc(reconciliationFlags.unit))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit).map(
    (r): ReconciliationView => ({
      service_id: r.f.serviceId,
      customer_id: r.customerId,
      product_name: r.productName,
      identifiers: r.identifiers,
      unit: r.f.unit,
      bss: r.f.bss,
      cgrates: r.f.cgrates,
      difference: r.f.difference,
      since: r.f.since,
      last_seen_at: r.f.lastSeenAt,
      resolved_at: r.f.resolvedAt,
      resolved_by: r.f.resolvedBy,
      resolution: r.f.resolution,
    }),
  );
  const last = page.at(-1);
  return { data: page, next_cursor: rows.length > f.limit && last ? encodeCursor([last.since, last.service_id, last.unit]) : null };
}
