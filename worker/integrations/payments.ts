/** The payments use cases wired to this worker's Stripe configuration and ServiceState objects. */

import type { PaymentDeps } from "../domain/payments/payments";
import { creditPaidTopUp } from "../domain/payments/top-ups";
import { serviceDeps } from "../durable/service-client";
import { requireStripe } from "./stripe";

export function paymentDeps(env: Env, baseUrl = ""): PaymentDeps {
  return { stripe: () => requireStripe(env), services: serviceDeps(env, baseUrl), creditTopUp: creditPaidTopUp };
}
