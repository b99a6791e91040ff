import { and, asc, eq, gt } from "drizzle-orm";
import type { GeocodeStatus, SiteView } from "../../domain/sites/schemas";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { type Site, sites } from "../schema";

export function toSiteView(s: Site): SiteView {
  return {
    id: s.id,
    customer_id: s.customerId,
    name: s.name,
    address_line1: s.addressLine1,
    address_line2: s.addressLine2,
    city: s.city,
    region: s.region,
    postal_code: s.postalCode,
    country: s.country,
    latitude: s.latitude,
    longitude: s.longitude,
    geocoded: s.geocoded,
    geocode_status: s.geocodeStatus as GeocodeStatus,
    formatted_address: s.formattedAddress,
    notes: s.notes,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export async function getSiteRow(db: Db, id: string): Promise<Site | undefined> {
  return db.select().from(sites).where(eq(sites.id, id)).get();
}

export async function listSites(db: Db, customerId: string, limit: number, cursor?: string): Promise<Page<SiteView>> {
  const after = cursor ? String(decodeCursor(cursor, 1)[0]) : null;
  const rows = await db
    .select()
    .from(sites)
    .where(and(eq(sites.customerId, customerId), after ? gt(sites.id, after) : undefined))
    .orderBy(asc(sites.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(toSiteView), next_cursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
}
