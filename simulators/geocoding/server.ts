import { type RunningSimulator, serve } from "../lib/server";

/**
 * Google Maps Geocoding API simulator: `GET /maps/api/geocode/json?address=…&key=…` with the real
 * response shape and statuses. A missing key is REQUEST_DENIED, a missing address INVALID_REQUEST,
 * an address mentioning "nowhere" ZERO_RESULTS, "overquota" OVER_QUERY_LIMIT. Known cities resolve
 * near their centre; anything else resolves deterministically from a hash of the address.
 */
const CITIES: Record<string, [number, number]> = {
  lyon: [45.764, 4.8357],
  villeurbanne: [45.7719, 4.8902],
  paris: [48.8566, 2.3522],
  marseille: [43.2965, 5.3698],
  toulouse: [43.6047, 1.4442],
  nice: [43.7102, 7.262],
  nantes: [47.2184, -1.5536],
  bordeaux: [44.8378, -0.5792],
  lille: [50.6292, 3.0573],
  london: [51.5072, -0.1276],
  berlin: [52.52, 13.405],
  madrid: [40.4168, -3.7038],
  brussels: [50.8503, 4.3517],
  geneva: [46.2044, 6.1432],
  "new york": [40.7128, -74.006],
};

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type GeocodingRequest = { at: string; address: string | null; key: string | null; status: string };

export async function startGeocodingSimulator(port = 12113): Promise<RunningSimulator> {
  let requests: GeocodingRequest[] = [];
  return serve(
    "geocoding",
    port,
    (req) => {
      if (req.url.pathname !== "/maps/api/geocode/json" || req.method !== "GET") {
        return { status: 404, body: { error: "not found" } };
      }
      const address = req.url.searchParams.get("address");
      const key = req.url.searchParams.get("key");
      const answer = (status: string, extra: Record<string, unknown> = {}) => {
        requests.push({ at: new Date().toISOString(), address, key, status });
        return { status: 200, body: { status, results: [], ...extra } };
      };
      if (!key) return answer("REQUEST_DENIED", { error_message: "You must use an API key to authenticate each request to Google Maps Platform APIs." });
      if (!address?.trim())
        return answer("INVALID_REQUEST", { error_message: "Invalid request. Missing the 'address', 'components', 'latlng' or 'place_id' parameter." });
      const lower = address.toLowerCase();
      if (lower.includes("overquota")) return answer("OVER_QUERY_LIMIT", { error_message: "You have exceeded your rate-limit for this API." });
      if (lower.includes("nowhere")) return answer("ZERO_RESULTS");
      const h = hash(lower);
      const city = Object.keys(CITIES).find((name) => lower.includes(name));
      const [lat, lng] = city
        ? [(CITIES[city]?.[0] ?? 0) + ((h % 1000) - 500) / 50_000, (CITIES[city]?.[1] ?? 0) + (((h >>> 10) % 1000) - 500) / 50_000]
        : [(h % 120_000) / 1000 - 60, ((h >>> 8) % 340_000) / 1000 - 170];
      requests.push({ at: new Date().toISOString(), address, key, status: "OK" });
      return {
        status: 200,
        body: {
          status: "OK",
          results: [
            {
              formatted_address: address,
              place_id: `sim_${h.toString(36)}`,
              geometry: { location: { lat: Number(lat.toFixed(7)), lng: Number(lng.toFixed(7)) }, location_type: city ? "RANGE_INTERPOLATED" : "APPROXIMATE" },
              address_components: [],
              types: ["street_address"],
            },
          ],
        },
      };
    },
    () => ({ requests }),
    () => {
      requests = [];
    },
  );
}
