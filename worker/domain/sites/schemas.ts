import { z } from "zod";
import { countryCode, optionalText, requiredText } from "../validation";

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

const coordinates = {
  latitude: latitude.nullable().optional().meta({ description: "Set by hand to skip geocoding" }),
  longitude: longitude.nullable().optional(),
};

const bothOrNeither = (v: { latitude?: number | null; longitude?: number | null }) =>
  (v.latitude === undefined || v.latitude === null) === (v.longitude === undefined || v.longitude === null);
const bothIssue = { message: "Give both latitude and longitude, or neither", path: ["longitude"] };

export const SiteCreate = z
  .strictObject({
    name: requiredText(100),
    address_line1: requiredText(200),
    address_line2: optionalText(200),
    city: requiredText(100),
    region: optionalText(100),
    postal_code: optionalText(20),
    country: countryCode,
    notes: optionalText(2000),
    ...coordinates,
  })
  .refine(bothOrNeither, bothIssue)
  .meta({ id: "SiteCreate" });
export type SiteCreateInput = z.infer<typeof SiteCreate>;

export const SitePatch = z
  .strictObject({
    name: requiredText(100).optional(),
    address_line1: requiredText(200).optional(),
    address_line2: optionalText(200),
    city: requiredText(100).optional(),
    region: optionalText(100),
    postal_code: optionalText(20),
    country: countryCode.optional(),
    notes: optionalText(2000),
    ...coordinates,
  })
  .refine(bothOrNeither, bothIssue)
  .meta({ id: "SitePatch" });
export type SitePatchInput = z.infer<typeof SitePatch>;

export const GEOCODE_STATUSES = ["geocoded", "manual", "not_configured", "not_found", "failed"] as const;
export type GeocodeStatus = (typeof GEOCODE_STATUSES)[number];

export const Site = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    name: z.string(),
    address_line1: z.string(),
    address_line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postal_code: z.string().nullable(),
    country: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    geocoded: z.boolean(),
    geocode_status: z.enum(GEOCODE_STATUSES).meta({
      description: "geocoded (Google), manual (coordinates given), not_configured (no API key), not_found, failed (provider error)",
    }),
    formatted_address: z.string().nullable(),
    notes: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Site" });
export type SiteView = z.infer<typeof Site>;

export type AddressForGeocoding = {
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  country: string;
};

export type GeocodeResult =
  | { status: "geocoded"; latitude: number; longitude: number; formattedAddress: string; placeId: string }
  | { status: "not_configured" | "not_found" | "failed"; detail?: string };

/** Resolves an address to coordinates; implemented by worker/integrations/geocoding.ts. */
export type Geocoder = (address: AddressForGeocoding) => Promise<GeocodeResult>;
