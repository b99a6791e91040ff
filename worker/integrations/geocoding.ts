import type { AddressForGeocoding, GeocodeResult, Geocoder } from "../domain/sites/schemas";

type GoogleResponse = {
  status: string;
  error_message?: string;
  results?: { formatted_address: string; place_id: string; geometry: { location: { lat: number; lng: number } } }[];
};

/**
 * Google Maps Geocoding API client (`GET {base}/maps/api/geocode/json?address=…&key=…`).
 * Without a key it answers `not_configured` and sites keep the address as entered. Errors never
 * fail the request that saves a site: they are recorded on the site as `failed`.
 */
export function googleGeocoder(env: { GEOCODING_API_BASE?: string; GEOCODING_API_KEY?: string }, timeoutMs = 4000): Geocoder {
  return async (address: AddressForGeocoding): Promise<GeocodeResult> => {
    const key = env.GEOCODING_API_KEY;
    if (!key) return { status: "not_configured" };
    const text = [address.addressLine1, address.addressLine2, address.postalCode, address.city, address.region, address.country].filter(Boolean).join(", ");
    const url = new URL("/maps/api/geocode/json", env.GEOCODING_API_BASE || "https://maps.googleapis.com");
    url.searchParams.set("address", text);
    url.searchParams.set("components", `country:${address.country}`);
    url.searchParams.set("key", key);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) return { status: "failed", detail: `HTTP ${response.status}` };
      const body = (await response.json()) as GoogleResponse;
      const first = body.results?.[0];
      if (body.status === "OK" && first) {
        return {
          status: "geocoded",
          latitude: first.geometry.location.lat,
          longitude: first.geometry.location.lng,
          formattedAddress: first.formatted_address,
          placeId: first.place_id,
        };
      }
      if (body.status === "ZERO_RESULTS") return { status: "not_found" };
      return { status: "failed", detail: body.error_message ? `${body.status}: ${body.error_message}` : body.status };
    } catch (error) {
      return { status: "failed", detail: error instanceof Error ? error.message : "unreachable" };
    }
  };
}
