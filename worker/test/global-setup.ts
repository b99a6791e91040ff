import { startGeocodingSimulator } from "../../simulators/geocoding/server";

/** Runs in Node before the workerd tests: the real-protocol geocoding simulator they call. */
export default async function setup() {
  const simulator = await startGeocodingSimulator(12913);
  return async () => simulator.close();
}
