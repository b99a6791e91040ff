import { startGeocodingSimulator } from "../../simulators/geocoding/server";
import { startMailjetSimulator } from "../../simulators/mailjet/server";
import { startStripeSimulator } from "../../simulators/stripe/server";
import { startWebhookReceiver } from "../../simulators/webhook-receiver/server";

/** Runs in Node before the workerd tests: the real-protocol simulators they call. */
export default async function setup() {
  const simulators = [
    await startGeocodingSimulator(12913),
    await startMailjetSimulator(12912, { key: "test-mj-key", secret: "test-mj-secret" }),
    // Stripe: events are recorded, not delivered (tests deliver them to the worker themselves, signed).
    await startStripeSimulator(12916, { secretKey: "sk_test_workers", webhookSecret: "whsec_test_secret", webhookUrl: null }),
    // An integrator's endpoint for outbound webhooks.
    await startWebhookReceiver(12917),
  ];
  return async () => {
    await Promise.all(simulators.map((s) => s.close()));
  };
}
