import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getSiteRow, toSiteView } from "../../db/queries/sites";
import { type Site, sites } from "../../db/schema";
import { NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { loadWritableCustomer } from "../customers/load";
import { siteDocument } from "../search/documents";
import { indexDocument, unindexDocument } from "../search/index-statements";
import type { Geocoder, SiteCreateInput, SitePatchInput, SiteView } from "./schemas";

type Location = Pick<Site, "latitude" | "longitude" | "geocoded" | "geocodeStatus" | "formattedAddress" | "placeId">;

/** Coordinates for an address: given by hand, found by the geocoder, or absent (and said why). */
async function locate(address: Site, manual: { latitude?: number | null; longitude?: number | null }, geocode: Geocoder): Promise<Location> {
  if (typeof manual.latitude === "number" && typeof manual.longitude === "number") {
    return { latitude: manual.latitude, longitude: manual.longitude, geocoded: false, geocodeStatus: "manual", formattedAddress: null, placeId: null };
  }
  const result = await geocode(address);
  if (result.status === "geocoded") {
    return {
      latitude: result.latitude,
      longitude: result.longitude,
      geocoded: true,
      geocodeStatus: "geocoded",
      formattedAddress: result.formattedAddress,
      placeId: result.placeId,
    };
  }
  return { latitude: null, longitude: null, geocoded: false, geocodeStatus: result.status, formattedAddress: null, placeId: null };
}

/** Adds a site to a customer, geocoding its address when a geocoder is configured. */
export async function createSite(ctx: WriteContext, customerId: string, input: SiteCreateInput, geocode: Geocoder): Promise<SiteView> {
  const customer = await loadWritableCustomer(ctx.db, customerId);
  const draft: Site = {
    id: newId("site"),
    customerId,
    name: input.name,
    addressLine1: input.address_line1,
    addressLine2: input.address_line2 ?? null,
    city: input.city,
    region: input.region ?? null,
    postalCode: input.postal_code ?? null,
    country: input.country,
    latitude: null,
    longitude: null,
    geocoded: false,
    geocodeStatus: "not_configured",
    formattedAddress: null,
    placeId: null,
    notes: input.notes ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const row: Site = { ...draft, ...(await locate(draft, input, geocode)) };
  const view = toSiteView(row);
  await runBatch(ctx.db, [
    ctx.db.insert(sites).values(row),
    indexDocument(ctx.db, siteDocument(row, customer.name)),
    recordActivity(ctx, { entity: "site", entityId: row.id, customerId, action: "site.create", after: view }),
  ]);
  return view;
}

async function loadSite(ctx: WriteContext, id: string) {
  const site = await getSiteRow(ctx.db, id);
  if (!site) throw new NotFound("No site with this id.");
  const customer = await loadWritableCustomer(ctx.db, site.customerId);
  return { site, customer };
}

const ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "region", "postal_code", "country"] as const;

/** Changes a site; a changed address is geocoded again unless coordinates are given. */
export async function updateSite(ctx: WriteContext, id: string, patch: SitePatchInput, geocode: Geocoder): Promise<SiteView> {
  const { site, customer } = await loadSite(ctx, id);
  const merged: Site = {
    ...site,
    name: patch.name ?? site.name,
    addressLine1: patch.address_line1 ?? site.addressLine1,
    addressLine2: patch.address_line2 === undefined ? site.addressLine2 : patch.address_line2,
    city: patch.city ?? site.city,
    region: patch.region === undefined ? site.region : patch.region,
    postalCode: patch.postal_code === undefined ? site.postalCode : patch.postal_code,
    country: patch.country ?? site.country,
    notes: patch.notes === undefined ? site.notes : patch.notes,
    updatedAt: ctx.now,
  };
  const addressChanged = ADDRESS_FIELDS.some((f) => patch[f] !== undefined && toSiteView(merged)[f] !== toSiteView(site)[f]);
  const coordinatesGiven = patch.latitude !== undefined || patch.longitude !== undefined;
  const row: Site = addressChanged || coordinatesGiven ? { ...merged, ...(await locate(merged, patch, geocode)) } : merged;
  const before = toSiteView(site);
  const after = toSiteView(row);
  await runBatch(ctx.db, [
    ctx.db.update(sites).set(row).where(eq(sites.id, id)),
    indexDocument(ctx.db, siteDocument(row, customer.name)),
    recordActivity(ctx, { entity: "site", entityId: id, customerId: site.customerId, action: "site.update", before, after }),
  ]);
  return after;
}

/** Removes a site; the activity log keeps what it was. */
export async function deleteSite(ctx: WriteContext, id: string): Promise<void> {
  const { site } = await loadSite(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.delete(sites).where(eq(sites.id, id)),
    unindexDocument(ctx.db, id),
    recordActivity(ctx, { entity: "site", entityId: id, customerId: site.customerId, action: "site.delete", before: toSiteView(site) }),
  ]);
}
