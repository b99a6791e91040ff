import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { startGeocodingSimulator } from "./server";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startGeocodingSimulator(0);
});
afterAll(() => sim.close());

const geocode = async (query: string) =>
  (await fetch(`${sim.url}/maps/api/geocode/json?${query}`)).json() as Promise<{
    status: string;
    results: { geometry: { location: { lat: number; lng: number } } }[];
  }>;

describe("geocoding simulator", () => {
  it("speaks the Google Geocoding response shape and statuses", async () => {
    const ok = await geocode("address=10+Place+Bellecour,+Lyon&key=k");
    expect(ok.status).toBe("OK");
    expect(ok.results[0]?.geometry.location.lat).toBeCloseTo(45.76, 1);
    expect((await geocode("address=x")).status).toBe("REQUEST_DENIED");
    expect((await geocode("key=k")).status).toBe("INVALID_REQUEST");
    expect((await geocode("address=1+nowhere+road&key=k")).status).toBe("ZERO_RESULTS");
    // Deterministic: the same address always gives the same point.
    expect(await geocode("address=1+Main+St,+Springfield&key=k")).toEqual(await geocode("address=1+Main+St,+Springfield&key=k"));
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { requests: unknown[] };
    expect(state.requests.length).toBeGreaterThanOrEqual(5);
    expect((await fetch(`${sim.url}/_sim/reset`, { method: "POST" })).status).toBe(204);
  });
});
