import { money, newId, type Refund, unixNow } from "./objects";
import { bool, expand, int, invalid, mergeMetadata, metadata, notSimulated, pagination, str, strings } from "./params";
import { byId, type Call, filtered, previousAttributes, type Route } from "./state";

/** Refunds, Charges and Events (`/v1/refunds`, `/v1/charges`, `/v1/events`). */

function createRefund(call: Call): Refund {
  const { p, state } = call;
  const piId = p.str("payment_intent");
  const chargeId = p.str("charge");
  if (piId && chargeId) throw invalid("You may only specify one of these parameters: charge, payment_intent.", "charge", "parameters_exclusive");
  if (!piId && !chargeId) throw invalid("One of the following params should be provided for this request: payment_intent or charge.");
  const pi = piId ? state.find(state.paymentIntents, piId, "payment_intent") : undefined;
  const charge = chargeId ? state.find(state.charges, chargeId, "charge") : pi?.latest_charge ? state.charges.get(pi.latest_charge) : undefined;
  if (charge?.status !== "succeeded")
    throw invalid(
      pi ? `This PaymentIntent (${pi.id}) does not have a successful charge to refund.` : `Charge ${chargeId} has not succeeded.`,
      piId ? "payment_intent" : "charge",
    );
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
  const amount = p.int("amount") ?? remaining;
  if (amount > remaining)
    throw invalid(
      charge.amount_refunded === 0
        ? `Refund amount (${money(amount, charge.currency)}) is greater than charge amount (${money(charge.amount, charge.currency)})`
        : `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`,
      "amount",
      "amount_too_large",
    );
  const refund: Refund = {
    id: newId("re"),
    object: "refund",
    amount,
    balance_transaction: newId("txn"),
    charge: charge.id,
    created: unixNow(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: {
      card: { reference: String(unixNow()), reference_status: "available", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    metadata: mergeMetadata({}, p.metadata()),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: p.str("reason") ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  state.refunds.set(refund.id, refund);
  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  state.webhooks.emit("refund.created", refund, call.request);
  state.webhooks.emit("charge.refunded", charge, call.request, previousAttributes(before, charge));
  return refund;
}

/** `type` filters events, with `*` as Stripe's wildcard (`payment_intent.*`). */
const typeMatches = (pattern: string, type: string) => new RegExp(`^${pattern.replaceAll(".", "\\.").replaceAll("*", ".*")}$`).test(type);

export const refundRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/refunds",
    spec: {
      ...expand,
      amount: int(1),
      charge: str(),
      metadata,
      payment_intent: str(),
      reason: str({ values: ["duplicate", "fraudulent", "requested_by_customer"] }),
      ...notSimulated("currency", "customer", "instructions_email", "origin", "refund_application_fee", "reverse_transfer"),
    },
    returns: "refund",
    run: createRefund,
  },
  {
    method: "GET",
    path: "/v1/refunds",
    spec: { ...expand, ...pagination, charge: str(), payment_intent: str(), ...notSimulated("created") },
    returns: "list:refund",
    run: (call) => filtered(call, call.state.refunds.values(), "/v1/refunds", ["charge", "payment_intent"]),
  },
  { method: "GET", path: "/v1/refunds/{id}", spec: expand, returns: "refund", run: byId((s) => s.refunds) },
  {
    method: "GET",
    path: "/v1/charges",
    spec: { ...expand, ...pagination, customer: str(), payment_intent: str(), ...notSimulated("created", "transfer_group") },
    returns: "list:charge",
    run: (call) => filtered(call, call.state.charges.values(), "/v1/charges", ["customer", "payment_intent"]),
  },
  { method: "GET", path: "/v1/charges/{id}", spec: expand, returns: "charge", run: byId((s) => s.charges) },
  {
    method: "GET",
    path: "/v1/events",
    spec: { ...expand, ...pagination, type: str(), types: strings(), delivery_success: bool, ...notSimulated("created") },
    returns: "list:event",
    run: (call) => {
      const { p, state } = call;
      const patterns = p.list("types") ?? (p.str("type") ? [p.str("type") ?? ""] : undefined);
      const success = p.bool("delivery_success");
      const events = state.webhooks.events
        .map(({ event }) => ({ ...event, pending_webhooks: state.webhooks.pending(event.id) }))
        .filter((e) => (!patterns || patterns.some((t) => typeMatches(t, e.type))) && (success === undefined || state.webhooks.delivered(e.id) === success));
      return state.list(events, p, "/v1/events");
    },
  },
  {
    method: "GET",
    path: "/v1/events/{id}",
    spec: expand,
    returns: "event",
    run: (call) => {
      const entry = call.state.webhooks.events.find((e) => e.event.id === call.id);
      if (!entry) return call.state.find(new Map(), call.id);
      return { ...entry.event, pending_webhooks: call.state.webhooks.pending(call.id) };
    },
  },
];
