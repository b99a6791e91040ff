import { newCharge, type PaymentIntent, type PaymentMethod, type SetupIntent } from "./objects";
import { invalid, type Params, StripeFailure } from "./params";
import { type Call, cardError, type StripeState } from "./state";

/** Confirming intents: the card's test behaviour, 3D Secure, declines, and what each outcome records and emits. */

export const ONLY_WITH_CONFIRM = "This parameter can only be used with confirm=true.";
export const unsupported = (message: string, param: string) =>
  invalid(`${message} (not modelled by the Stripe simulator)`, param, "simulator_unsupported_parameter");

type Automatic = { allow_redirects: string; enabled: boolean } | null;

type Methods = { allowed: string[] | null; automatic: Automatic };

/**
 * `allowed_payment_method_types` (which replaced `payment_method_types` in API 2026-09-30.endive) and
 * `automatic_payment_methods`: without a list, the Dashboard's payment methods, redirect-based ones included.
 */
export function paymentMethods(p: Params): Methods {
  const allowed = p.list("allowed_payment_method_types");
  const automatic = p.sub("automatic_payment_methods");
  const other = allowed?.find((t) => t !== "card");
  if (other !== undefined) throw unsupported(`Payment method type ${other}: only card is`, "allowed_payment_method_types");
  if (allowed?.length === 0) throw invalid("allowed_payment_method_types must list at least one payment method type.", "allowed_payment_method_types");
  if (automatic?.bool("enabled") === false && !allowed)
    throw unsupported("automatic_payment_methods[enabled]=false without allowed_payment_method_types", "automatic_payment_methods");
  if (automatic)
    return {
      allowed: allowed ?? null,
      automatic: { allow_redirects: automatic.str("allow_redirects") ?? "always", enabled: automatic.bool("enabled") ?? true },
    };
  return { allowed: allowed ?? null, automatic: allowed ? null : { allow_redirects: "always", enabled: true } };
}

/** Stripe refuses to confirm without `return_url` while redirect-based payment methods may be used. */
function requireReturnUrl(methods: Methods, returnUrl: string | undefined, kind: string): void {
  if (methods.automatic?.enabled && methods.automatic.allow_redirects !== "never" && !methods.allowed && !returnUrl)
    throw invalid(
      `This ${kind} is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a \`return_url\`. If you don't want to accept redirect-based payment methods, set \`automatic_payment_methods[enabled]\` to \`true\` and \`automatic_payment_methods[allow_redirects]\` to \`never\` when creating Setup Intents and Payment Intents.`,
    );
}

/** The customer an intent names, and its PaymentMethod checked against it. */
export function customerAndMethod(call: Call, customerParam: string | null | undefined, methodParam: string | undefined) {
  const { state } = call;
  const customer = customerParam ? state.find(state.customers, customerParam, "customer") : null;
  const pm = methodParam ? state.paymentMethod(methodParam) : null;
  if (pm?.customer && !customer)
    throw invalid(
      "The provided PaymentMethod is attached to a Customer. To use this PaymentMethod, you must also pass the ID of that Customer in the `customer` parameter.",
      "payment_method",
    );
  if (pm?.customer && customer && pm.customer !== customer.id)
    throw invalid(`The provided PaymentMethod belongs to another Customer (${pm.customer}), not ${customer.id}.`, "payment_method");
  return { customer, pm };
}

/** A PaymentMethod used without being attached can never be used again (Stripe's rule). */
function settleUse(state: StripeState, pm: PaymentMethod): void {
  if (!pm.customer) state.consumed.add(pm.id);
}

const threeDSecure = { type: "use_stripe_sdk" as const, use_stripe_sdk: { type: "three_d_secure_redirect" } };

/** Confirms a SetupIntent: saves the card (attaching it to the customer), or asks for 3D Secure, or declines (402). */
export function confirmSetup(call: Call, si: SetupIntent, returnUrl: string | undefined): void {
  const { state } = call;
  if (!si.payment_method)
    throw invalid("You cannot confirm this SetupIntent because it's missing a payment method.", "payment_method", "setup_intent_unexpected_state");
  requireReturnUrl({ allowed: si.allowed_payment_method_types, automatic: si.automatic_payment_methods }, returnUrl, "SetupIntent");
  const pm = state.find(state.paymentMethods, si.payment_method, "payment_method");
  const card = state.card(pm);
  if (card.authentication === "always") {
    si.status = "requires_action";
    si.next_action = threeDSecure;
    state.webhooks.emit("setup_intent.requires_action", si, call.request);
  } else if (card.declinesSetup && card.decline) failSetup(call, si, pm, cardError(card.decline, { payment_method: structuredClone(pm) }));
  else completeSetup(call, si, pm);
}

function completeSetup(call: Call, si: SetupIntent, pm: PaymentMethod): void {
  const customer = si.customer ? call.state.customers.get(si.customer) : undefined;
  if (customer && !pm.customer) call.state.attach(pm, customer, call.request);
  si.status = "succeeded";
  si.next_action = null;
  si.last_setup_error = null;
  call.state.webhooks.emit("setup_intent.succeeded", si, call.request);
}

function failSetup(call: Call, si: SetupIntent, pm: PaymentMethod, failure: StripeFailure): never {
  si.status = "requires_payment_method";
  si.payment_method = null;
  si.next_action = null;
  si.last_setup_error = failure.error;
  settleUse(call.state, pm);
  call.state.webhooks.emit("setup_intent.setup_failed", si, call.request);
  throw new StripeFailure(failure.status, { ...failure.error, setup_intent: structuredClone(si) });
}

/** Confirms a PaymentIntent: charges the card, or asks for 3D Secure (on session), or declines (402 with the intent). */
export function confirmPayment(call: Call, pi: PaymentIntent, offSession: boolean, returnUrl: string | undefined): void {
  const { state } = call;
  if (!pi.payment_method)
    throw new StripeFailure(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message:
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      payment_intent: structuredClone(pi),
    });
  requireReturnUrl({ allowed: pi.allowed_payment_method_types, automatic: pi.automatic_payment_methods }, returnUrl, "PaymentIntent");
  const pm = state.find(state.paymentMethods, pi.payment_method, "payment_method");
  const card = state.card(pm);
  if (card.authentication === "always" && !offSession) {
    pi.status = "requires_action";
    pi.next_action = threeDSecure;
    state.webhooks.emit("payment_intent.requires_action", pi, call.request);
    return;
  }
  chargeAttempt(call, pi, pm, card.authentication === "always" ? "authentication_required" : (card.decline ?? null));
}

/** One charge on the card: the intent succeeds, or stays `requires_payment_method` with the decline. */
function chargeAttempt(call: Call, pi: PaymentIntent, pm: PaymentMethod, decline: string | null): void {
  const { state } = call;
  const charge = newCharge(pi, pm, decline);
  state.charges.set(charge.id, charge);
  pi.latest_charge = charge.id;
  pi.next_action = null;
  if (decline) {
    const failure = cardError(decline, { charge: charge.id, payment_method: structuredClone(pm) });
    pi.status = "requires_payment_method";
    pi.payment_method = null;
    pi.last_payment_error = failure.error;
    settleUse(state, pm);
    state.webhooks.emit("charge.failed", charge, call.request);
    state.webhooks.emit("payment_intent.payment_failed", pi, call.request);
    throw new StripeFailure(402, { ...failure.error, payment_intent: structuredClone(pi) });
  }
  pi.status = "succeeded";
  pi.amount_received = pi.amount;
  pi.last_payment_error = null;
  const customer = pi.customer ? state.customers.get(pi.customer) : undefined;
  if (pi.setup_future_usage && customer && !pm.customer) state.attach(pm, customer, call.request);
  settleUse(state, pm);
  state.webhooks.emit("charge.succeeded", charge, call.request);
  state.webhooks.emit("payment_intent.succeeded", pi, call.request);
}

/** `/_sim/{payment_intents|setup_intents}/{id}/authenticate`: the customer passes (or fails) 3D Secure. */
export function authenticate(call: Call, kind: "payment_intent" | "setup_intent", succeed: boolean): unknown {
  const { state } = call;
  const intent = kind === "payment_intent" ? state.find(state.paymentIntents, call.id) : state.find(state.setupIntents, call.id);
  if (intent.status !== "requires_action" || !intent.payment_method)
    throw invalid(`This ${kind} has status ${intent.status}, not requires_action: there is nothing to authenticate.`, undefined, `${kind}_unexpected_state`);
  const pm = state.find(state.paymentMethods, intent.payment_method);
  const failure = new StripeFailure(402, {
    type: "invalid_request_error",
    code: `${kind}_authentication_failure`,
    message: `The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this ${kind === "payment_intent" ? "PaymentIntent" : "SetupIntent"} again.`,
    payment_method: structuredClone(pm),
  });
  try {
    if (intent.object === "setup_intent") {
      if (succeed) completeSetup(call, intent, pm);
      else failSetup(call, intent, pm, failure);
    } else if (succeed) chargeAttempt(call, intent, pm, null);
    else {
      intent.status = "requires_payment_method";
      intent.payment_method = null;
      intent.next_action = null;
      intent.last_payment_error = failure.error;
      settleUse(state, pm);
      state.webhooks.emit("payment_intent.payment_failed", intent, call.request);
    }
  } catch (error) {
    if (!(error instanceof StripeFailure)) throw error;
  }
  return intent;
}
