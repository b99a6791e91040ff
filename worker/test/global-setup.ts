import { startGeocodingSimulator } from "../../simulators/geocoding/server";
import { startMailjetSimulator } from "../../simulators/mailjet/server";

/** Runs in Node before the workerd tests: the real-protocol simulators they call. */
export default async function setup() {
  const simulators = [await startGeocodingSimulator(12913), await startMailjetSimulator(12912, { key: "test-mj-key", secret: "test-mj-secret" })];
  return async () => {
    await Promise.all(simulators.map((s) => s.close()));
  };
}
